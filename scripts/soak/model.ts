// What the soak client knows about every event it made: never sent, sent without an
// acknowledgement (the connection was cut, or the server answered 429/503/5xx), or acknowledged.
// From that it derives the bounds a query must fall within: every acknowledged event counted
// exactly once, every unacknowledged one at most once.

import type { Rng } from './rng.js';

export const SUBJECTS = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'] as const;
export const EVENT_TYPE = 'soak';
/** Event n happens at T0 + n * STEP_MS: a month of data per ~2.6 M events. */
export const T0 = Date.parse('2025-01-02T00:00:00Z');
export const STEP_MS = 997;

export const UNSENT = 0;
export const UNKNOWN = 1;
export const ACKED = 2;

export interface WireEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: { v: number };
}

export interface Totals {
  count: number[];
  sum: number[];
}

const zeros = (): Totals => ({ count: SUBJECTS.map(() => 0), sum: SUBJECTS.map(() => 0) });

export class SoakModel {
  private subject = new Uint8Array(1 << 16);
  private value = new Uint16Array(1 << 16);
  private state = new Uint8Array(1 << 16);
  private size = 0;
  readonly acked = zeros();
  readonly unknown = zeros();
  /** Everything ever sent, acknowledged or not: the ceiling of any query at any time. */
  readonly sent = zeros();

  constructor(private readonly rng: Rng) {}

  get events(): number {
    return this.size;
  }

  /** Makes `n` new events with seeded subjects and values; returns their numbers. */
  create(n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      if (this.size === this.state.length) this.grow();
      const k = this.size++;
      this.subject[k] = this.rng.int(0, SUBJECTS.length - 1);
      this.value[k] = this.rng.int(1, 1000);
      out.push(k);
    }
    return out;
  }

  wire(k: number): WireEvent {
    return {
      specversion: '1.0',
      id: `soak-${k}`,
      source: 'soak',
      type: EVENT_TYPE,
      subject: SUBJECTS[this.subject[k] ?? 0] ?? 's0',
      time: new Date(T0 + k * STEP_MS).toISOString(),
      data: { v: this.value[k] ?? 0 },
    };
  }

  stateOf(k: number): number {
    return this.state[k] ?? UNSENT;
  }

  /** Called before the request leaves: a cut connection leaves these events unknown. */
  markSent(events: number[]): void {
    for (const k of events) {
      if (this.stateOf(k) !== UNSENT) continue;
      this.state[k] = UNKNOWN;
      this.add(this.unknown, k, 1);
      this.add(this.sent, k, 1);
    }
  }

  markAcked(events: number[]): void {
    for (const k of events) {
      const s = this.stateOf(k);
      if (s === ACKED) continue;
      if (s === UNKNOWN) this.add(this.unknown, k, -1);
      else this.add(this.sent, k, 1);
      this.state[k] = ACKED;
      this.add(this.acked, k, 1);
    }
  }

  /** A random acknowledged event, for re-sends; undefined before the first acknowledgement. */
  randomAcked(rng: Rng): number | undefined {
    if (this.size === 0) return undefined;
    for (let tries = 0; tries < 20; tries++) {
      const k = rng.int(0, this.size - 1);
      if (this.stateOf(k) === ACKED) return k;
    }
    return undefined;
  }

  /** An upper bound of the event times made so far, for query ranges. */
  lastTime(): number {
    return T0 + this.size * STEP_MS;
  }

  snapshot(t: Totals): Totals {
    return { count: [...t.count], sum: [...t.sum] };
  }

  private add(t: Totals, k: number, sign: 1 | -1): void {
    const s = this.subject[k] ?? 0;
    t.count[s] = (t.count[s] ?? 0) + sign;
    t.sum[s] = (t.sum[s] ?? 0) + sign * (this.value[k] ?? 0);
  }

  private grow(): void {
    const n = this.state.length * 2;
    const s = new Uint8Array(n);
    s.set(this.subject);
    this.subject = s;
    const v = new Uint16Array(n);
    v.set(this.value);
    this.value = v;
    const st = new Uint8Array(n);
    st.set(this.state);
    this.state = st;
  }
}
