// The per-subject rollup rows of heavy subjects (subject_rollup_15m) kept equal to their raw rows
// by the store: a subject becomes tracked when a rewritten day holds enough of its rows, its rows
// are built while folds go on (the build held open inside its transaction), late events and new
// folds add to them, merges combine them, a backfill rebuilds them, a restart keeps them, and a
// deletion takes them. Every expected number is computed here from the events sent; counters say
// whether the per-subject rows or the raw rows answered. Builds and merges are held by the store's
// test hooks, so nothing depends on timing.
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { MeterDefinition } from '../../src/meter/meter-definition.js';
import type { BaseUsageQuery, FilterNode } from '../../src/query/planned-query.js';
import type { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { createMeter, rollupScenario } from '../support/rollup-scenario.js';

const ACCOUNT = 'acc_subject';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const JANUARY = Date.UTC(2026, 0, 1);
const FEBRUARY = Date.UTC(2026, 1, 1);
const APRIL = Date.UTC(2026, 3, 1);
const NOW = Date.UTC(2026, 2, 10, 12);
const MODELS = ['gpt', "o'llama", 'claude'];
/** A day of the heavy subject's holds at least this many rows; the light one's never does. */
const MIN_DAY_ROWS = 40;
const HEAVY = "cust'heavy";
const LIGHT = 'cust_light';

const METER: MeterDefinition = {
  id: 'm_tokens',
  accountId: ACCOUNT,
  slug: 'tokens',
  name: 'tokens',
  aggregation: 'SUM',
  eventType: 'usage',
  valueProperty: '$.v',
  dimensions: [['model', '$.model']],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

interface Sent {
  id: string;
  subject: string;
  model: string;
  time: number;
  value: number;
}

/** `count` events of `subject` in [from, to), ids `<prefix><n>`, values 1..7 (some null). */
function spread(prefix: string, subject: string, count: number, from: number, to: number): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    subject,
    model: MODELS[(i * 7) % MODELS.length] as string,
    time: from + Math.floor(((i * 7919) % count) * ((to - from) / count)),
    value: (i % 7) + 1,
  }));
}

function items(sent: readonly Sent[], factor = 1): IngestItem[] {
  return sent.map((s) => ({
    event: {
      accountId: ACCOUNT,
      id: s.id,
      source: 'test',
      type: 'usage',
      subject: s.subject,
      time: s.time,
      ingestedAt: s.time,
      data: JSON.stringify({ v: s.value, model: s.model }),
    },
    rows: [{ meterId: METER.id, value: factor * s.value, valueText: null, dims: [s.model] }],
  }));
}

const only = (subject: string): FilterNode => ({
  op: 'eq',
  dim: { kind: 'subject' },
  value: subject,
});

/** One subject's usage: hourly sums per model, and the daily maximum (both over Jan-Mar). */
function query(subject: string, over: Partial<BaseUsageQuery> = {}): BaseUsageQuery {
  return {
    accountId: ACCOUNT,
    meterId: METER.id,
    from: JANUARY,
    to: APRIL,
    bucket: { kind: 'uniform', origin: JANUARY, width: HOUR },
    groupBy: [{ kind: 'dim', slot: 0 }],
    filter: only(subject),
    ...over,
  };
}

/** What the store must answer, from the events sent. */
function expected(sent: readonly Sent[], subject: string, factor = 1) {
  const hourly = new Map<string, number>();
  const dailyMax = new Map<number, number>();
  for (const s of sent) {
    if (s.subject !== subject) continue;
    const h = Math.floor((s.time - JANUARY) / HOUR);
    const key = `${h}|${s.model}`;
    hourly.set(key, (hourly.get(key) ?? 0) + factor * s.value);
    const d = Math.floor((s.time - JANUARY) / DAY);
    dailyMax.set(d, Math.max(dailyMax.get(d) ?? Number.NEGATIVE_INFINITY, factor * s.value));
  }
  return { hourly, dailyMax };
}

/** The store's answers for one subject, and where they came from. */
async function answers(store: DuckDbStore, subject: string) {
  const before = store.rollupStats().subjectReads;
  const hourly = await store.aggregateNumeric(query(subject));
  const daily = await store.aggregateNumeric(
    query(subject, { bucket: { kind: 'uniform', origin: JANUARY, width: DAY }, groupBy: [] }),
  );
  const reads = store.rollupStats().subjectReads - before;
  return {
    hourly: new Map(hourly.map((r) => [`${r.window}|${r.keys[0]}`, r.sum])),
    dailyMax: new Map(daily.map((r) => [r.window, r.max])),
    from: reads === 2 ? 'subject rows' : reads === 0 ? 'raw' : 'both',
  };
}

/** A store with the heavy subject's 150 January events, tracked by January's archive. */
async function heavyTracked() {
  const t = rollupScenario(NOW, { subjectMinDayRows: MIN_DAY_ROWS });
  const store = await t.open();
  await createMeter(store, METER);
  const sent = spread('h-', HEAVY, 150, Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 12));
  await store.append(items(sent));
  // Compaction sees rows once they are folded: a read waits for that.
  await store.stats();
  t.clock += 60_000;
  await store.compactNow();
  expect(store.rollupStats().subjects).toEqual([`${METER.id}:${HEAVY}`]);
  return { t: { ...t, store }, sent };
}

describe('per-subject rollup rows of heavy subjects', () => {
  it('track a subject a rewritten day shows heavy, build its rows while folds go on, and keep them exact', async () => {
    const t = rollupScenario(NOW, { subjectMinDayRows: MIN_DAY_ROWS });
    let store = await t.open();
    await createMeter(store, METER);
    // January: the heavy subject has 3 days of 50-60 rows each, the light one 30 rows in all.
    const sent = [
      ...spread('h1-', HEAVY, 50, Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 11)),
      ...spread('h2-', HEAVY, 60, Date.UTC(2026, 0, 11), Date.UTC(2026, 0, 12)),
      ...spread('h3-', HEAVY, 55, Date.UTC(2026, 0, 20), Date.UTC(2026, 0, 21)),
      ...spread('l-', LIGHT, 30, JANUARY, FEBRUARY),
    ];
    await store.append(items(sent));
    expect(await answers(store, HEAVY)).toEqual({ ...expected(sent, HEAVY), from: 'raw' });
    expect(store.rollupStats().subjects).toEqual([]);

    // January closes: its rewrite finds the heavy subject, whose rows are built held open.
    t.clock += 60_000;
    t.merge.arm();
    const compacting = store.compactNow();
    await t.merge.entered;
    expect(store.rollupStats().subjects).toEqual([`${METER.id}:${HEAVY} (building)`]);
    // Folded while the build holds its snapshot: from now on folds write the subject's rows.
    const during = [
      ...spread('d-', HEAVY, 45, Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 25)),
      ...spread('m-', HEAVY, 70, Date.UTC(2026, 2, 1), NOW),
    ];
    expect(await store.append(items(during))).toEqual({ duplicates: [] });
    sent.push(...during);
    expect(await answers(store, HEAVY)).toEqual({ ...expected(sent, HEAVY), from: 'raw' });
    t.merge.release();
    await compacting;
    expect(store.rollupStats().subjects).toEqual([`${METER.id}:${HEAVY}`]);
    expect(await answers(store, HEAVY)).toEqual({ ...expected(sent, HEAVY), from: 'subject rows' });
    expect(await answers(store, LIGHT)).toEqual({ ...expected(sent, LIGHT), from: 'raw' });

    // Late events and new ones after the build: folds add partial rows, a merge combines them.
    const later = [
      ...spread('late-', HEAVY, 40, Date.UTC(2026, 0, 5), Date.UTC(2026, 0, 6)),
      ...spread('new-', HEAVY, 40, Date.UTC(2026, 2, 9), NOW),
      ...spread('new-l-', LIGHT, 10, Date.UTC(2026, 2, 9), NOW),
    ];
    for (let i = 0; i < later.length; i += 30) {
      await store.append(items(later.slice(i, i + 30)));
      await store.stats();
    }
    sent.push(...later);
    expect(await answers(store, HEAVY)).toEqual({ ...expected(sent, HEAVY), from: 'subject rows' });
    const partial = await store.subjectRollupSize();
    expect(partial.rows).toBeGreaterThan(partial.keys);
    await store.close();

    // A restart keeps the subject tracked and complete.
    store = await t.open();
    expect(store.rollupStats().subjects).toEqual([`${METER.id}:${HEAVY}`]);
    expect(await answers(store, HEAVY)).toEqual({ ...expected(sent, HEAVY), from: 'subject rows' });
    await store.close();
  });

  it('serve only queries confined to complete tracked subjects, with the same numbers as raw rows', async () => {
    const t = rollupScenario(NOW, { subjectMinDayRows: MIN_DAY_ROWS, mergeRows: 1 });
    const store = await t.open();
    await createMeter(store, METER);
    const sent = [
      ...spread('h-', HEAVY, 120, Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 11)),
      ...spread('l-', LIGHT, 20, Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 11)),
    ];
    await store.append(items(sent));
    // Compaction sees rows once they are folded: a read waits for that.
    await store.stats();
    t.clock += 60_000;
    await store.compactNow();
    expect(store.rollupStats().subjects).toEqual([`${METER.id}:${HEAVY}`]);
    for (let i = 0; i < 3; i++) {
      const more = spread(`x${i}-`, HEAVY, 30, Date.UTC(2026, 2, 1), NOW);
      await store.append(items(more));
      await store.stats();
      sent.push(...more);
    }
    // The recent tail's partial rows are merged into one per key.
    await store.compactNow();
    const merged = await store.subjectRollupSize();
    expect(merged.rows).toBe(merged.keys);
    expect(await answers(store, HEAVY)).toEqual({ ...expected(sent, HEAVY), from: 'subject rows' });

    const sum = (rows: { sum: number | null }[]) => rows.reduce((a, r) => a + (r.sum ?? 0), 0);
    const total = (subjects: string[]) =>
      sent.filter((s) => subjects.includes(s.subject)).reduce((a, s) => a + s.value, 0);
    const reads = () => store.rollupStats().subjectReads;
    const r0 = reads();
    // Grouped by subject, confined to the heavy one: served.
    const bySubject = await store.aggregateNumeric(
      query(HEAVY, { bucket: { kind: 'all' }, groupBy: [{ kind: 'subject' }] }),
    );
    expect(bySubject.map((r) => [r.keys[0], r.sum])).toEqual([[HEAVY, total([HEAVY])]]);
    expect(reads()).toBe(r0 + 1);
    // Both subjects (the light one is not tracked), an unaligned range, no subject condition: raw.
    const both = await store.aggregateNumeric(
      query(HEAVY, {
        bucket: { kind: 'all' },
        groupBy: [],
        filter: { op: 'in', dim: { kind: 'subject' }, values: [HEAVY, LIGHT] },
      }),
    );
    expect(sum(both)).toBe(total([HEAVY, LIGHT]));
    const unaligned = await store.aggregateNumeric(
      query(HEAVY, { from: JANUARY + 60_000, bucket: { kind: 'all' }, groupBy: [] }),
    );
    expect(sum(unaligned)).toBe(total([HEAVY]));
    const everyone = await store.aggregateNumeric(
      query(HEAVY, { bucket: { kind: 'all' }, groupBy: [], filter: undefined }),
    );
    expect(sum(everyone)).toBe(total([HEAVY, LIGHT]));
    expect(reads()).toBe(r0 + 1);
    // The group estimate of a served query reads the subject's rows too, with the raw estimate.
    const estimate = await store.estimateGroups({ ...query(HEAVY), enough: 1 });
    expect(estimate).toBe(MODELS.length);
    expect(reads()).toBe(r0 + 2);
    await store.close();
  });

  it('are rebuilt with their meter by a backfill, and go with the meter', async () => {
    const { t, sent } = await heavyTracked();
    let store = t.store;
    expect(await answers(store, HEAVY)).toEqual({ ...expected(sent, HEAVY), from: 'subject rows' });

    // A backfill that extracts other values: the subject's rows are rebuilt in its transaction.
    await store.replaceMeterRows(METER.id, ACCOUNT, async (emit) => {
      await emit(
        sent.map((s) => ({
          meterId: METER.id,
          time: s.time,
          subject: s.subject,
          value: 3 * s.value,
          valueText: null,
          dims: [s.model],
        })),
      );
    });
    expect(store.rollupStats().subjects).toEqual([`${METER.id}:${HEAVY}`]);
    expect(await answers(store, HEAVY)).toEqual({
      ...expected(sent, HEAVY, 3),
      from: 'subject rows',
    });

    await store.putMeter({ ...METER, deletedAt: '2026-03-10T00:00:00.000Z' });
    await store.deleteMeterRows(METER.id);
    expect(store.rollupStats().subjects).toEqual([]);
    expect(await store.subjectRollupSize()).toEqual({ rows: 0, keys: 0 });
    await store.close();
    store = await t.open();
    expect(store.rollupStats().subjects).toEqual([]);
    await store.close();
  });

  it('are no longer tracked after a change of aggregation, also after a restart', async () => {
    const { t } = await heavyTracked();
    let store = t.store;
    // Made a unique count and back (each with a backfill of no rows): the subject is no longer
    // tracked, after a restart too, and its old rows are gone.
    await createMeter(store, { ...METER, aggregation: 'UNIQUE_COUNT' });
    expect(store.rollupStats().subjects).toEqual([]);
    await createMeter(store, METER);
    await store.close();
    store = await t.open();
    expect(store.rollupStats().subjects).toEqual([]);
    expect(await store.subjectRollupSize()).toEqual({ rows: 0, keys: 0 });
    expect(await answers(store, HEAVY)).toEqual({
      hourly: new Map(),
      dailyMax: new Map(),
      from: 'raw',
    });

    await store.close();
  });
});
