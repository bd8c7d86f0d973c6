import {
  FixedOffsetZone,
  IANAZone,
  Zone,
  type ZoneOffsetFormat,
  type ZoneOffsetOptions,
} from 'luxon';

const OFFSET = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/;

/**
 * Parses an IANA zone name ("Europe/Berlin", "UTC") or a fixed offset ("+05:45", "-0330",
 * "UTC+01:00"). Returns undefined when the text is neither.
 */
export function parseZone(text: string): Zone | undefined {
  if (text === 'UTC' || text === 'Z' || text === 'Etc/UTC') return FixedOffsetZone.utcInstance;
  const m = OFFSET.exec(text);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    if (Number(m[2]) > 18 || Number(m[3]) > 59) return undefined;
    return FixedOffsetZone.instance(m[1] === '-' ? -minutes : minutes);
  }
  const cached = zones.get(text);
  if (cached) return cached;
  const zone = IANAZone.create(text);
  if (!zone.isValid) return undefined;
  const fast = new SpanCachedZone(zone);
  zones.set(text, fast);
  return fast;
}

const zones = new Map<string, SpanCachedZone>();
const YEAR = 365 * 24 * 3_600_000;

/**
 * An IANA zone whose offsets are looked up in precomputed offset spans (per 365-day block), so
 * calendar arithmetic over a year of windows costs microseconds instead of an Intl call per step.
 */
class SpanCachedZone extends Zone {
  private blocks = new Map<number, OffsetChange[]>();

  constructor(private readonly inner: Zone) {
    super();
  }

  override get type(): string {
    return 'iana';
  }
  override get name(): string {
    return this.inner.name;
  }
  override get isUniversal(): boolean {
    return false;
  }
  override get isValid(): boolean {
    return true;
  }
  override offsetName(ts: number, opts: ZoneOffsetOptions): string | null {
    return this.inner.offsetName(ts, opts);
  }
  override formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.inner.formatOffset(ts, format);
  }
  override equals(other: Zone): boolean {
    return other.type === 'iana' && other.name === this.name;
  }
  override offset(ts: number): number {
    const block = Math.floor(ts / YEAR);
    let spans = this.blocks.get(block);
    if (!spans) {
      spans = offsetChanges(this.inner, block * YEAR, (block + 1) * YEAR);
      this.blocks.set(block, spans);
    }
    let off = spans[0]?.offsetMs ?? 0;
    for (const span of spans) {
      if (ts >= span.at) off = span.offsetMs;
      else break;
    }
    return off / 60_000;
  }
}

/** Offset of `zone` at instant `ms`, in milliseconds. */
export function offsetMs(zone: Zone, ms: number): number {
  return zone.offset(ms) * 60_000;
}

export interface OffsetChange {
  at: number;
  offsetMs: number;
}

const PROBE = 3 * 24 * 3_600_000;

/**
 * The offset in force at `from`, then every change of offset in [from, to), found by probing every
 * 3 days and bisecting to the millisecond. Real zones change offset at most twice a year in the
 * ranges that matter (a probe per 6 hours cost ~10 ms per queried year).
 */
export function offsetChanges(zone: Zone, from: number, to: number): OffsetChange[] {
  const changes: OffsetChange[] = [{ at: from, offsetMs: offsetMs(zone, from) }];
  if (zone.isUniversal) return changes;
  let prevT = from;
  let prevOff = changes[0]?.offsetMs ?? 0;
  for (let t = from + PROBE; prevT < to; t += PROBE) {
    const probe = Math.min(t, to);
    const off = offsetMs(zone, probe);
    if (off !== prevOff) {
      let lo = prevT;
      let hi = probe;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMs(zone, mid) === prevOff) lo = mid;
        else hi = mid;
      }
      changes.push({ at: hi, offsetMs: off });
      prevOff = off;
    }
    prevT = probe;
    if (probe === to) break;
  }
  return changes;
}
