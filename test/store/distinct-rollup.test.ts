// The daily distinct values of a UNIQUE_COUNT meter (distinct_1d) kept equal to its rows by the
// store: folds appending while a merge is held open, late events, a rewrite of a closed month, a
// backfill with other values, a deletion, and a start without rollups followed by one with.
// Every expected number is computed here from the events sent; a counter says whether the daily
// distinct values or the raw rows answered. Merges and rewrites are held by the store's test
// hooks, so nothing depends on timing.
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { MeterDefinition } from '../../src/meter/meter-definition.js';
import type { BaseUsageQuery, Bucketing } from '../../src/query/planned-query.js';
import type { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { createMeter, rollupScenario } from '../support/rollup-scenario.js';

const ACCOUNT = 'acc_distinct';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const JANUARY = Date.UTC(2026, 0, 1);
const FEBRUARY = Date.UTC(2026, 1, 1);
const MARCH = Date.UTC(2026, 2, 1);
const APRIL = Date.UTC(2026, 3, 1);
const NOW = Date.UTC(2026, 2, 20, 12);

const METER: MeterDefinition = {
  id: 'm_users',
  accountId: ACCOUNT,
  slug: 'active_users',
  name: 'active users',
  aggregation: 'UNIQUE_COUNT',
  eventType: 'usage',
  valueProperty: '$.user',
  dimensions: [['region', '$.region']],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

interface Sent {
  id: string;
  time: number;
  /** null: the event carries no user (no distinct value). */
  user: string | null;
}

/** `count` deterministic events in [from, to), ids `<prefix><n>`, over `users` users. */
function spread(prefix: string, count: number, from: number, to: number, users = 23): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    time: from + Math.floor(((i * 7919) % count) * ((to - from) / count)),
    user: i % 11 === 0 ? null : `u'${(i * 13) % users}`,
  }));
}

function items(sent: readonly Sent[], rename = (u: string) => u): IngestItem[] {
  return sent.map((s) => ({
    event: {
      accountId: ACCOUNT,
      id: s.id,
      source: 'test',
      type: 'usage',
      subject: `cust_${s.id.length % 3}`,
      time: s.time,
      ingestedAt: s.time,
      data: JSON.stringify({ user: s.user, region: 'eu' }),
    },
    rows: [
      {
        meterId: METER.id,
        value: null,
        valueText: s.user === null ? null : rename(s.user),
        dims: ['eu'],
      },
    ],
  }));
}

const uniformDays: Bucketing = { kind: 'uniform', origin: JANUARY, width: DAY };
/** Calendar months of UTC, as the planner states them: one offset, a window index per day. */
const utcMonths: Bucketing = {
  kind: 'calendar',
  baseDay: JANUARY / DAY,
  offsets: [{ from: Number.NEGATIVE_INFINITY, offsetMs: 0 }],
  dayToWindow: Array.from({ length: (APRIL - JANUARY) / DAY }, (_, d) =>
    JANUARY + d * DAY < FEBRUARY ? 0 : JANUARY + d * DAY < MARCH ? 1 : 2,
  ),
};

function query(bucket: Bucketing, over: Partial<BaseUsageQuery> = {}): BaseUsageQuery {
  return {
    accountId: ACCOUNT,
    meterId: METER.id,
    from: JANUARY,
    to: APRIL,
    bucket,
    groupBy: [],
    ...over,
  };
}

/** The distinct users of each window of `width` from `origin` that has events (0 if none has one). */
function perWindow(
  sent: readonly Sent[],
  origin: number,
  width: number,
  rename = (u: string) => u,
) {
  const sets = new Map<number, Set<string>>();
  for (const s of sent) {
    if (s.time < origin) continue;
    const w = Math.floor((s.time - origin) / width);
    const set = sets.get(w) ?? new Set();
    if (s.user !== null) set.add(rename(s.user));
    sets.set(w, set);
  }
  return new Map([...sets].map(([w, set]) => [w, set.size]));
}

/** Per day: distinct users; per (month, day): users first seen in the month that day. */
function expected(sent: readonly Sent[], rename = (u: string) => u) {
  const firstDay = new Map<string, number>();
  for (const s of sent) {
    if (s.user === null) continue;
    const d = Math.floor((s.time - JANUARY) / DAY);
    const u = rename(s.user);
    const month = new Date(s.time).getUTCMonth();
    const key = `${month}|${u}`;
    firstDay.set(key, Math.min(firstDay.get(key) ?? d, d));
  }
  const daily = perWindow(sent, JANUARY, DAY, rename);
  const firstSeen = new Map<string, number>();
  for (const [key, d] of firstDay) {
    const k = `${key.split('|')[0]}|${d}`;
    firstSeen.set(k, (firstSeen.get(k) ?? 0) + 1);
  }
  // Coverage with a span of 7 days: a user's run from a day it was seen to the next such day,
  // or 7 days on, whichever comes first.
  const seen = new Map<string, number[]>();
  for (const s of sent) {
    if (s.user === null) continue;
    const u = rename(s.user);
    const d = Math.floor((s.time - JANUARY) / DAY);
    const days = seen.get(u) ?? [];
    if (!days.includes(d)) days.push(d);
    seen.set(u, days);
  }
  const coverage = new Map<string, number>();
  for (const days of seen.values()) {
    days.sort((a, b) => a - b);
    days.forEach((d, i) => {
      const next = days[i + 1];
      const k = `${d}|${Math.min(next ?? d + 7, d + 7)}`;
      coverage.set(k, (coverage.get(k) ?? 0) + 1);
    });
  }
  return { daily, firstSeen, coverage };
}

/** The store's answers to the three unique reads, and where they came from. */
async function answers(store: DuckDbStore) {
  const before = store.rollupStats().reads;
  const daily = await store.aggregateUnique(query(uniformDays));
  const firstSeen = await store.uniqueFirstSeen(query(uniformDays), utcMonths);
  const coverage = await store.uniqueCoverage(query(uniformDays), 7);
  const reads = store.rollupStats().reads - before;
  return {
    daily: new Map(daily.map((r) => [r.window, r.uniques])),
    firstSeen: new Map(firstSeen.map((r) => [`${r.period}|${r.window}`, r.count])),
    coverage: new Map(coverage.map((r) => [`${r.start}|${r.end}`, r.count])),
    from: reads === 3 ? 'distinct' : reads === 0 ? 'raw' : 'both',
  };
}

describe('the daily distinct values beside the folds, compaction, backfill and meter changes', () => {
  it('answer UTC-day queries exactly while folds repeat values and a merge is held open', async () => {
    const t = rollupScenario(NOW, { mergeRows: 1 });
    let store = await t.open();
    await createMeter(store, METER);
    expect(store.rollupStats().ready).toEqual([METER.id]);
    const sent: Sent[] = [];
    for (const part of ['a', 'b', 'c']) {
      const batch = spread(part, 120, MARCH, NOW);
      await store.append(items(batch));
      sent.push(...batch);
      await store.stats();
    }
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });
    // Each fold wrote its own rows for days the others wrote too.
    const before = await store.distinctSize();
    expect(before.rows).toBeGreaterThan(before.keys);

    t.merge.arm();
    const compacting = store.compactNow();
    await t.merge.entered;
    // Late events, a month back, folded while the merge holds its snapshot.
    const late = spread('late', 90, JANUARY, FEBRUARY);
    expect(await store.append(items(late))).toEqual({ duplicates: [] });
    sent.push(...late);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });
    t.merge.release();
    await compacting;
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });

    await store.compactNow();
    const merged = await store.distinctSize();
    expect(merged.rows).toBe(merged.keys);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });

    // Queries the daily values cannot answer read the raw rows, with the same numbers.
    const reads = store.rollupStats().reads;
    const hourly = await store.aggregateUnique(
      query({ kind: 'uniform', origin: MARCH, width: HOUR }, { from: MARCH, to: APRIL }),
    );
    const byRegion = await store.aggregateUnique(
      query(uniformDays, { groupBy: [{ kind: 'dim', slot: 0 }] }),
    );
    expect(store.rollupStats().reads).toBe(reads);
    expect(new Map(hourly.map((r) => [r.window, r.uniques]))).toEqual(perWindow(sent, MARCH, HOUR));
    expect(new Map(byRegion.map((r) => [r.window, r.uniques]))).toEqual(expected(sent).daily);

    await store.close();
    store = await t.open();
    expect(store.rollupStats()).toMatchObject({ ready: [METER.id], pending: [] });
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });
    await store.close();
  });

  it('are merged in the transaction of a month rewrite while late events arrive', async () => {
    const t = rollupScenario(NOW);
    const store = await t.open();
    await createMeter(store, METER);
    const sent = spread('j', 400, JANUARY, FEBRUARY, 40);
    for (let i = 0; i < sent.length; i += 100) await store.append(items(sent.slice(i, i + 100)));
    await store.stats();
    t.clock += 60_000;

    t.rewrite.arm();
    const compacting = store.compactNow();
    await t.rewrite.entered;
    const late = spread('late', 120, JANUARY, FEBRUARY, 50);
    await store.append(items(late));
    sent.push(...late);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });
    t.rewrite.release();
    expect((await compacting).map((c) => c.kind)).toEqual(['month']);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });
    t.clock += 60_000;
    await store.compactNow();
    const size = await store.distinctSize();
    expect(size.rows).toBe(size.keys);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });
    await store.close();
  });

  it('follow a backfill, are unready after a change of aggregation, and go with the meter', async () => {
    const t = rollupScenario(NOW);
    const store = await t.open();
    await createMeter(store, METER);
    const sent = spread('s', 300, JANUARY, NOW);
    await store.append(items(sent));
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });

    // A backfill that extracts other values (fewer of them): rebuilt in the same transaction.
    const fold = (u: string) => `v${u.length % 2}`;
    const backfill = () =>
      store.replaceMeterRows(METER.id, ACCOUNT, async (emit) => {
        await emit(
          items(sent, fold).flatMap((it) =>
            it.rows.map((r) => ({ ...r, time: it.event.time, subject: it.event.subject })),
          ),
        );
      });
    await backfill();
    expect(await answers(store)).toEqual({ ...expected(sent, fold), from: 'distinct' });

    // Now a SUM meter: its distinct rows are gone, and the 15-minute rollup waits for a backfill.
    await store.putMeter({ ...METER, aggregation: 'SUM', valueProperty: '$.n' });
    expect(store.rollupStats()).toMatchObject({ ready: [], pending: [METER.id] });
    expect((await answers(store)).from).toBe('raw');
    await store.putMeter(METER);
    expect(store.rollupStats()).toMatchObject({ ready: [], pending: [METER.id] });
    expect(await answers(store)).toEqual({ ...expected(sent, fold), from: 'raw' });
    await backfill();
    expect(store.rollupStats()).toMatchObject({ ready: [METER.id], pending: [] });
    expect(await answers(store)).toEqual({ ...expected(sent, fold), from: 'distinct' });

    await store.putMeter({ ...METER, deletedAt: '2026-03-10T12:00:00.000Z' });
    await store.deleteMeterRows(METER.id);
    expect(store.rollupStats()).toMatchObject({ ready: [], pending: [] });
    expect(await store.distinctSize()).toEqual({ rows: 0, keys: 0 });
    await store.close();
  });

  it('a start without rollups drops them; the next start rebuilds them while folds go on', async () => {
    const t = rollupScenario(NOW);
    let store = await t.open();
    await createMeter(store, METER);
    const sent = spread('o', 200, JANUARY, NOW);
    await store.append(items(sent));
    await store.close();

    store = await t.open(false);
    expect(store.rollupStats()).toMatchObject({ enabled: false, ready: [], pending: [] });
    const more = spread('p', 150, JANUARY, NOW, 31);
    await store.append(items(more));
    sent.push(...more);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'raw' });
    expect(await store.distinctSize()).toEqual({ rows: 0, keys: 0 });
    await store.close();

    t.merge.arm();
    store = await t.open();
    await t.merge.entered;
    expect(store.rollupStats()).toMatchObject({ enabled: true, ready: [], pending: [METER.id] });
    const during = spread('q', 90, JANUARY, NOW, 37);
    await store.append(items(during));
    sent.push(...during);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'raw' });
    t.merge.release();
    await store.rollupsRebuilt();
    expect(store.rollupStats()).toMatchObject({ ready: [METER.id], pending: [] });
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'distinct' });
    await store.close();
  });
});
