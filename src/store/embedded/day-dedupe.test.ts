import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityHash } from '../../lib/hash.js';
import { DAY_MS } from './compaction-policy.js';
import { compileConfirm, compileDayKeys, eventDay } from './compile-dedupe.js';
import {
  DAY_OVERHEAD_BYTES,
  DayDedupe,
  type DayKey,
  type KeyChunk,
  type LoadDay,
} from './day-dedupe.js';
import { capacityFor, DayKeySet } from './day-key-set.js';
import { MIGRATIONS } from './schema.js';

function keyOf(day: number, name: string): DayKey {
  const [hi, lo] = identityHash('acc', 'src', name);
  return { day, hi, lo };
}

function keys(day: number, prefix: string, n: number): DayKey[] {
  return Array.from({ length: n }, (_, i) => keyOf(day, `${prefix}-${i}`));
}

const text = (k: DayKey) => `${k.day}:${k.hi}:${k.lo}`;

function chunk(ks: readonly DayKey[]): KeyChunk {
  return { hi: ks.map((k) => k.hi), lo: ks.map((k) => k.lo) };
}

/** A promise the test resolves: stands for "the DuckDB scan has not produced its rows yet". */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

/**
 * The write pipeline as the dedupe sees it: events accepted and waiting, events folded into the
 * store. loadDay captures the waiting events of the day synchronously; the "DuckDB" snapshot is
 * taken when the scan runs (after an optional gate), or at load start with `snapshotAtStart`,
 * the earliest a real scan could see.
 */
class FakePipeline {
  readonly stored = new Map<number, DayKey[]>();
  waiting: DayKey[] = [];
  readonly calls: number[] = [];
  readonly gates = new Map<number, Promise<void>>();
  readonly failAfterChunks = new Map<number, number>();
  snapshotAtStart = false;
  lastScan: DayKey[] = [];

  readonly loadDay: LoadDay = (day) => {
    this.calls.push(day);
    const captured = this.waiting.filter((k) => k.day === day);
    const early = this.snapshotAtStart ? [...(this.stored.get(day) ?? [])] : undefined;
    const self = this;
    return (async function* () {
      yield chunk(captured);
      await self.gates.get(day);
      const snapshot = early ?? [...(self.stored.get(day) ?? [])];
      self.lastScan = [...captured, ...snapshot];
      for (let i = 0; i < snapshot.length; i += 64) {
        if (self.failAfterChunks.get(day) === i / 64) throw new Error('scan failed');
        yield chunk(snapshot.slice(i, i + 64));
        // Let other work run between chunks, as a streamed DuckDB result does.
        await Promise.resolve();
      }
    })();
  };

  store(ks: readonly DayKey[]): void {
    for (const k of ks) {
      const day = this.stored.get(k.day) ?? [];
      day.push(k);
      this.stored.set(k.day, day);
    }
  }

  /** Accepts events: waiting in the log, and recorded in the dedupe at accept time. */
  accept(dd: DayDedupe, ks: readonly DayKey[]): void {
    this.waiting.push(...ks);
    dd.add(ks);
  }

  /** Folds every waiting event into the store. */
  fold(): void {
    this.store(this.waiting);
    this.waiting = [];
  }

  has(k: DayKey): boolean {
    const t = text(k);
    return (
      (this.stored.get(k.day) ?? []).some((s) => text(s) === t) ||
      this.waiting.some((w) => text(w) === t)
    );
  }
}

describe('DayKeySet', () => {
  it('holds exactly the keys added, (0, 0) included', () => {
    const set = new DayKeySet();
    const added = keys(1, 'k', 50_000);
    for (const k of added) set.add(k.hi, k.lo);
    set.add(0, 0);
    expect(set.size).toBe(50_001);
    expect(added.every((k) => set.has(k.hi, k.lo))).toBe(true);
    expect(set.has(0, 0)).toBe(true);
    expect(keys(1, 'absent', 50_000).filter((k) => set.has(k.hi, k.lo))).toEqual([]);
  });

  it('knows its bytes before growing', () => {
    const set = new DayKeySet();
    for (const k of keys(1, 'a', 100)) set.add(k.hi, k.lo);
    const predicted = set.growthBytes(1000);
    const before = set.bytes;
    set.reserve(1000);
    expect(set.bytes - before).toBe(predicted);
    expect(set.bytes).toBe(capacityFor(1100) * 8);
    for (const k of keys(1, 'b', 1000)) set.add(k.hi, k.lo);
    expect(set.bytes).toBe(capacityFor(1100) * 8);
  });
});

describe('DayDedupe', () => {
  it('answers a resident day from its set: new iff the hash is not held', async () => {
    const p = new FakePipeline();
    const stored = keys(10, 's', 500);
    p.store(stored);
    const dd = new DayDedupe({ loadDay: p.loadDay, loadThreshold: 1 });
    const asked = [...stored.slice(0, 100), ...keys(10, 'fresh', 100)];
    const verdicts = await dd.candidates(asked);
    expect(verdicts).toEqual(asked.map((k) => (p.has(k) ? 'maybe' : 'new')));
    expect(verdicts.filter((v) => v === 'new')).toHaveLength(100);
    expect(dd.residentDays).toBe(1);
  });

  it('answers maybe for a cold day below the threshold without loading it', async () => {
    const p = new FakePipeline();
    p.store(keys(7, 's', 10));
    const dd = new DayDedupe({ loadDay: p.loadDay, loadThreshold: 8 });
    expect(await dd.candidates(keys(7, 'x', 7))).toEqual(Array(7).fill('maybe'));
    expect(p.calls).toEqual([]);
    expect(dd.residentDays).toBe(0);
    // 100 old days touched once each, as by a backfill: nothing loads.
    const scattered = Array.from({ length: 100 }, (_, d) => keyOf(1000 + d, 'backfill'));
    expect(await dd.candidates(scattered)).toEqual(Array(100).fill('maybe'));
    expect(p.calls).toEqual([]);
  });

  it('loads a cold day once the keys asked for it reach the threshold', async () => {
    const p = new FakePipeline();
    p.store(keys(7, 's', 10));
    const dd = new DayDedupe({ loadDay: p.loadDay, loadThreshold: 8 });
    await dd.candidates(keys(7, 'x', 5));
    const asked = keys(7, 'y', 3);
    expect(await dd.candidates(asked)).toEqual(['new', 'new', 'new']);
    expect(p.calls).toEqual([7]);
    // A batch reaching the threshold alone loads at once.
    expect(await dd.candidates(keys(8, 'z', 8))).toEqual(Array(8).fill('new'));
    expect(p.calls).toEqual([7, 8]);
  });

  it('misses no event accepted or folded while its day loads', async () => {
    const p = new FakePipeline();
    p.snapshotAtStart = true;
    const day = 42;
    p.store(keys(day, 'old', 300));
    const waitingAtStart = keyOf(day, 'waiting');
    p.waiting.push(waitingAtStart);
    const dd = new DayDedupe({ loadDay: p.loadDay, loadThreshold: 1 });
    const scan = gate();
    p.gates.set(day, scan.wait);

    const pending = dd.candidates([keyOf(day, 'probe')]);
    expect(p.calls).toEqual([day]); // registered, capture and snapshot taken synchronously
    // While the scan runs: an event is accepted (add() into the loading day), then the fold
    // commits it and the one waiting at load start. The scan's snapshot has neither.
    const duringLoad = keyOf(day, 'during-load');
    p.accept(dd, [duringLoad]);
    p.fold();
    scan.open();
    expect(await pending).toEqual(['new']);
    const scanned = new Set(p.lastScan.map(text));
    expect(scanned.has(text(duringLoad))).toBe(false);
    expect(scanned.has(text(waitingAtStart))).toBe(true); // only through the capture

    const asked = [duringLoad, waitingAtStart, keyOf(day, 'fresh'), keyOf(day, 'old-7')];
    expect(await dd.candidates(asked)).toEqual(asked.map((k) => (p.has(k) ? 'maybe' : 'new')));
    expect(asked.map((k) => p.has(k))).toEqual([true, true, false, true]);
  });

  it('ignores add() for a cold day (its next load captures those events)', () => {
    const p = new FakePipeline();
    const dd = new DayDedupe({ loadDay: p.loadDay });
    p.accept(dd, keys(3, 'a', 100));
    expect(dd.residentDays).toBe(0);
    expect(dd.residentBytes).toBe(0);
  });

  it('never loads a day larger than the whole budget, and drops one that outgrows it', async () => {
    const p = new FakePipeline();
    p.store(keys(5, 'big', 1000));
    const budget = capacityFor(100) * 8 + DAY_OVERHEAD_BYTES;
    const dd = new DayDedupe({ loadDay: p.loadDay, budgetBytes: budget, loadThreshold: 1 });
    const asked = [keyOf(5, 'big-3'), keyOf(5, 'fresh')];
    expect(await dd.candidates(asked)).toEqual(['maybe', 'maybe']);
    expect(await dd.candidates(asked)).toEqual(['maybe', 'maybe']);
    expect(p.calls).toEqual([5]);
    expect(dd.stats().oversizedDays).toBe(1);
    expect(dd.residentBytes).toBe(0);

    // A resident day that add() grows past the budget is dropped, never answered from partly.
    p.store(keys(6, 'small', 10));
    expect(await dd.candidates([keyOf(6, 'fresh')])).toEqual(['new']);
    const burst = keys(6, 'burst', 200);
    p.accept(dd, burst);
    expect(dd.residentDays).toBe(0);
    expect(await dd.candidates(burst.slice(0, 3))).toEqual(['maybe', 'maybe', 'maybe']);
    expect(dd.residentBytes).toBeLessThanOrEqual(budget);
  });

  it('never evicts a loading day, and stays within the budget meanwhile', async () => {
    const p = new FakePipeline();
    for (const d of [1, 2, 3, 4]) p.store(keys(d, `d${d}`, 100));
    const oneDay = capacityFor(100) * 8 + DAY_OVERHEAD_BYTES;
    const budget = 2 * oneDay + 500;
    // Day 1's scan stalls after its first 64 keys (a half-loaded set holding memory).
    const scan = gate();
    let stalledAt = 0;
    const dd = new DayDedupe({
      budgetBytes: budget,
      loadThreshold: 1,
      loadDay: (day) => {
        if (day !== 1) return p.loadDay(day);
        const all = p.stored.get(1) ?? [];
        return (async function* () {
          yield chunk(all.slice(0, 64));
          stalledAt++;
          await scan.wait;
          yield chunk(all.slice(64));
        })();
      },
    });
    const pending = dd.candidates([keyOf(1, 'fresh'), keyOf(1, 'd1-99')]);
    for (const d of [2, 3, 4, 2, 3]) {
      const asked = [keyOf(d, 'fresh'), keyOf(d, `d${d}-5`)];
      expect(await dd.candidates(asked)).toEqual(asked.map((k) => (p.has(k) ? 'maybe' : 'new')));
      expect(dd.residentBytes).toBeLessThanOrEqual(budget);
    }
    expect(stalledAt).toBe(1);
    scan.open();
    expect(await pending).toEqual(['new', 'maybe']);
    expect(dd.residentBytes).toBeLessThanOrEqual(budget);
    const day1 = p.stored.get(1) ?? [];
    expect(await dd.candidates(day1)).toEqual(Array(day1.length).fill('maybe'));
  });

  it('keeps many days within the budget and stays exact across evictions', async () => {
    const p = new FakePipeline();
    const days = 300;
    for (let d = 0; d < days; d++) p.store(keys(d, `s${d}`, 1 + ((d * 37) % 400)));
    const budget = 64 * 1024;
    const dd = new DayDedupe({ loadDay: p.loadDay, budgetBytes: budget, loadThreshold: 1 });
    for (let round = 0; round < 2; round++) {
      for (let d = 0; d < days; d++) {
        const asked = [
          ...(p.stored.get(d) ?? []).slice(0, 5),
          ...keys(d, `fresh${round}`, 5),
          ...keys(d, `acc${round - 1}`, 3),
        ];
        const verdicts = await dd.candidates(asked);
        expect(verdicts).toEqual(asked.map((k) => (p.has(k) ? 'maybe' : 'new')));
        p.accept(dd, keys(d, `acc${round}`, 3 + (d % 50)));
        if (d % 7 === 0) p.fold();
        expect(dd.residentBytes).toBeLessThanOrEqual(budget);
      }
    }
    expect(dd.residentDays).toBeLessThan(days);
    expect(dd.residentDays).toBeGreaterThan(0);
  });

  it('drops a day whose load fails and tries again later', async () => {
    const p = new FakePipeline();
    p.store(keys(9, 's', 200));
    p.failAfterChunks.set(9, 1);
    const dd = new DayDedupe({ loadDay: p.loadDay, loadThreshold: 1 });
    expect(await dd.candidates([keyOf(9, 'fresh')])).toEqual(['maybe']);
    expect(dd.stats()).toMatchObject({ loadFailures: 1, residentDays: 0, residentBytes: 0 });
    p.failAfterChunks.delete(9);
    expect(await dd.candidates([keyOf(9, 'fresh'), keyOf(9, 's-150')])).toEqual(['new', 'maybe']);

    const throwing = new DayDedupe({
      loadThreshold: 1,
      loadDay: () => {
        throw new Error('no connection');
      },
    });
    expect(await throwing.candidates([keyOf(1, 'x')])).toEqual(['maybe']);
    expect(throwing.stats()).toMatchObject({ loadFailures: 1, residentBytes: 0 });
  });

  it('never calls a stored or waiting event new (random operations)', async () => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const p = new FakePipeline();
    const dd = new DayDedupe({ loadDay: p.loadDay, budgetBytes: 16 * 1024, loadThreshold: 4 });
    const all: DayKey[] = [];
    let next = 0;
    let newAnswers = 0;
    for (let step = 0; step < 400; step++) {
      const batch: DayKey[] = [];
      for (let i = 0; i < 1 + Math.floor(rand() * 20); i++) {
        const resend = all.length > 0 && rand() < 0.4;
        batch.push(
          resend
            ? (all[Math.floor(rand() * all.length)] as DayKey)
            : keyOf(Math.floor(rand() * 30), `e${next++}`),
        );
      }
      const pending = dd.candidates(batch);
      // While the lookup (and any load) runs: a fold, and events accepted through other paths.
      if (rand() < 0.5) p.fold();
      if (rand() < 0.3) {
        const other = [keyOf(Math.floor(rand() * 30), `o${next++}`)];
        p.accept(dd, other);
        all.push(...other);
      }
      const verdicts = await pending;
      const accepted: DayKey[] = [];
      const seen = new Set<string>();
      for (const [i, k] of batch.entries()) {
        const dup = p.has(k) || seen.has(text(k));
        if (verdicts[i] === 'new') {
          expect(dup).toBe(false);
          newAnswers++;
        }
        if (!dup) {
          accepted.push(k);
          seen.add(text(k));
        }
      }
      p.accept(dd, accepted);
      all.push(...accepted);
      expect(dd.residentBytes).toBeLessThanOrEqual(16 * 1024);
    }
    expect(newAnswers).toBeGreaterThan(100);
  });
});

describe('DayDedupe over a real DuckDB', () => {
  const today = 20_000;
  const total = 100_000;
  const spanDays = 400;
  let dir: string;
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  const events: { id: string; time: number }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tally-day-dedupe-'));
    instance = await DuckDBInstance.create(join(dir, 'tally.duckdb'));
    conn = await instance.connect();
    await conn.run(MIGRATIONS[0] as string);
    // Arrival order is time order with a little lateness, as the store appends.
    const start = (today - spanDays + 1) * DAY_MS;
    const step = (spanDays * DAY_MS) / total;
    const appender = await conn.createAppender('events');
    for (let i = 0; i < total; i++) {
      const id = `e${i}`;
      const time = Math.max(start, Math.floor(start + i * step - (i % 13) * 60_000));
      const [hi, lo] = identityHash('acc', 'src', id);
      appender.appendVarchar('acc');
      appender.appendUBigInt((BigInt(hi) << 32n) | BigInt(lo));
      appender.appendVarchar(id);
      appender.appendVarchar('src');
      appender.appendVarchar('t');
      appender.appendVarchar('s');
      appender.appendBigInt(BigInt(time));
      appender.appendBigInt(BigInt(time));
      appender.appendVarchar('{}');
      appender.endRow();
      events.push({ id, time });
    }
    appender.flushSync();
    appender.closeSync();
  });

  afterAll(() => {
    conn?.closeSync();
    instance?.closeSync();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The pipeline's loadDay: nothing waits here, then the scan of compileDayKeys. */
  const loadDay: LoadDay = (day) =>
    (async function* () {
      const result = await conn.stream(compileDayKeys(day));
      for (;;) {
        const c = await result.fetchChunk();
        if (!c || c.rowCount === 0) break;
        yield { hi: c.getColumnValues(0) as number[], lo: c.getColumnValues(1) as number[] };
      }
    })();

  const key = (id: string, time: number): DayKey => {
    const [hi, lo] = identityHash('acc', 'src', id);
    return { day: eventDay(time), hi, lo };
  };

  async function confirm(ks: DayKey[]): Promise<string[]> {
    const sql = compileConfirm(ks);
    if (!sql) return [];
    const rows = (await conn.runAndReadAll(sql)).getRows();
    return rows.map(([a, s, id, t]) => `${a}/${s}/${id}@${t}`).sort();
  }

  it('finds a year-old duplicate after a restart and tells new events apart', async () => {
    const budget = 64 * 1024;
    const dd = new DayDedupe({ loadDay, budgetBytes: budget, loadThreshold: 32 });
    const old = events[1500] as { id: string; time: number };
    expect(today - eventDay(old.time)).toBeGreaterThanOrEqual(365);
    const resend = key(old.id, old.time);
    const fresh = key('brand-new', old.time);

    // Fresh instance: nothing loaded; a lone resend on a cold day is only a candidate...
    expect(dd.residentDays).toBe(0);
    expect(await dd.candidates([resend, fresh])).toEqual(['maybe', 'maybe']);
    expect(dd.stats().loads).toBe(0);
    // ...which the confirm query settles exactly.
    expect(await confirm([resend, fresh])).toEqual([`acc/src/${old.id}@${old.time}`]);

    // Enough keys for that day load it: the resend stays a candidate, the rest are new.
    const batch = [resend, ...Array.from({ length: 40 }, (_, i) => key(`new-${i}`, old.time))];
    const verdicts = await dd.candidates(batch);
    expect(verdicts).toEqual(['maybe', ...Array(40).fill('new')]);
    expect(dd.stats().loads).toBe(1);
    expect(dd.residentBytes).toBeLessThanOrEqual(budget);
  });

  it('answers every day of the table exactly within a small budget', async () => {
    const budget = 32 * 1024;
    const dd = new DayDedupe({ loadDay, budgetBytes: budget, loadThreshold: 4 });
    const byDay = new Map<number, { id: string; time: number }[]>();
    for (const e of events) {
      const d = eventDay(e.time);
      byDay.set(d, [...(byDay.get(d) ?? []), e]);
    }
    expect(byDay.size).toBe(spanDays);
    const storedIds = new Set(events.map((e) => e.id));
    for (const [d, dayEvents] of byDay) {
      const sample = [dayEvents[0], dayEvents[dayEvents.length - 1]] as {
        id: string;
        time: number;
      }[];
      const asked = [
        ...sample.map((e) => ({ id: e.id, time: e.time })),
        ...[0, 1, 2].map((i) => ({ id: `n${d}-${i}`, time: d * DAY_MS + i })),
      ];
      const verdicts = await dd.candidates(asked.map((e) => key(e.id, e.time)));
      expect(verdicts).toEqual(asked.map((e) => (storedIds.has(e.id) ? 'maybe' : 'new')));
      expect(dd.residentBytes).toBeLessThanOrEqual(budget);
    }
    expect(dd.stats().loads).toBe(spanDays);
    expect(dd.residentDays).toBeLessThan(spanDays);
  });
});
