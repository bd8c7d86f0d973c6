// The rollup kept equal to the raw rows by the store: partial rows of concurrent folds merged by
// compaction (the recent tail, and the range a rewrite sorts) while more folds append, a backfill
// rebuilding it, a redefinition making it unready until its backfill, a deletion, and a start
// without rollups followed by one with. Merges and rewrites are held open inside their
// transactions by the store's test hooks, so nothing depends on timing. Every number is computed
// from the events sent; a counter says whether the rollup or the raw rows answered.
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { MeterDefinition } from '../../src/meter/meter-definition.js';
import type { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { createMeter, rollupScenario } from '../support/rollup-scenario.js';

const ACCOUNT = 'acc_roll';
const DAY = 86_400_000;
const JANUARY = Date.UTC(2026, 0, 1);
const APRIL = Date.UTC(2026, 3, 1);
const NOW = Date.UTC(2026, 2, 10, 12);
const MODELS = ['gpt', 'claude', "o'llama"];
const SUBJECTS = ['cust_1', 'cust_2', 'cust_3'];

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
  tier: string;
  time: number;
  value: number;
}

/** `count` deterministic events in [from, to), ids `<prefix><n>`. */
function spread(prefix: string, count: number, from: number, to: number): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    subject: SUBJECTS[i % SUBJECTS.length] as string,
    model: MODELS[(i * 7) % MODELS.length] as string,
    tier: i % 4 === 0 ? 'pro' : 'free',
    time: from + Math.floor(((i * 7919) % count) * ((to - from) / count)),
    value: (i % 5) + 1,
  }));
}

/** Events with their meter rows as ingest extracts them: value times `factor`, the model. */
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
      data: JSON.stringify({ v: s.value, model: s.model, tier: s.tier }),
    },
    rows: [{ meterId: METER.id, value: factor * s.value, valueText: null, dims: [s.model] }],
  }));
}

/** Per UTC day the sum, and per model the sum over all time; as the rows hold them. */
function expected(sent: readonly Sent[], factor = 1) {
  const days = new Map<number, number>();
  const models = new Map<string, number>();
  for (const s of sent) {
    const d = Math.floor(s.time / DAY);
    days.set(d, (days.get(d) ?? 0) + factor * s.value);
    models.set(s.model, (models.get(s.model) ?? 0) + factor * s.value);
  }
  return { days, models };
}

/** The same two questions asked of the store, and whether the rollup answered each. */
async function answers(store: DuckDbStore, groupSlot = 0) {
  const before = store.rollupStats().reads;
  const daily = await store.aggregateNumeric({
    accountId: ACCOUNT,
    meterId: METER.id,
    from: JANUARY,
    to: APRIL,
    bucket: { kind: 'uniform', origin: JANUARY, width: DAY },
    groupBy: [],
  });
  const byModel = await store.aggregateNumeric({
    accountId: ACCOUNT,
    meterId: METER.id,
    from: JANUARY,
    to: APRIL,
    bucket: { kind: 'all' },
    groupBy: [{ kind: 'dim', slot: groupSlot }],
  });
  const reads = store.rollupStats().reads - before;
  return {
    days: new Map(daily.map((r) => [JANUARY / DAY + r.window, r.sum])),
    models: new Map(byModel.map((r) => [r.keys[0] as string, r.sum])),
    from: reads === 2 ? 'rollup' : reads === 0 ? 'raw' : 'both',
  };
}

describe('the rollup beside the folds, compaction, backfill and meter changes', () => {
  it('merges the recent tail while folds append to the same buckets', async () => {
    const t = rollupScenario(NOW, { mergeRows: 1 });
    let store = await t.open();
    await createMeter(store, METER);
    expect(store.rollupStats().ready).toEqual([METER.id]);
    const sent: Sent[] = [];
    for (const part of ['a', 'b', 'c']) {
      const batch = spread(part, 100, Date.UTC(2026, 2, 10), NOW);
      await store.append(items(batch));
      sent.push(...batch);
      // A read waits for the fold: each batch folds on its own and adds its own partial rows.
      await store.stats();
    }
    // Answers wait for the folds of everything acknowledged: then their partial rows are counted.
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    expect(store.rollupStats().partialRows).toBeGreaterThan(0);
    const before = await store.rollupSize();
    expect(before.rows).toBeGreaterThan(before.keys);

    t.merge.arm();
    const compacting = store.compactNow();
    await t.merge.entered;
    const late = spread('late', 80, Date.UTC(2026, 2, 10), NOW);
    expect(await store.append(items(late))).toEqual({ duplicates: [] });
    sent.push(...late);
    // The merge has copied the partial rows but not yet replaced them.
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    const waiting = store.rollupStats().partialRows;

    t.merge.release();
    await compacting;
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    // Only the rows of the fold committed during the merge still wait for one.
    const left = store.rollupStats().partialRows;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(waiting);
    // Some of them for keys the merge wrote: rows beyond the keys again, no more than they.
    const size = await store.rollupSize();
    expect(size.rows).toBeGreaterThan(size.keys);
    expect(size.rows - size.keys).toBeLessThanOrEqual(left);
    await store.compactNow();
    expect(store.rollupStats().partialRows).toBe(0);
    const merged = await store.rollupSize();
    expect(merged.rows).toBe(merged.keys);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });

    await store.close();
    store = await t.open();
    expect(store.rollupStats()).toMatchObject({ ready: [METER.id], pending: [] });
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    await store.close();
  });

  it('merges the range a rewrite sorts in its transaction while late events arrive', async () => {
    const t = rollupScenario(NOW);
    let store = await t.open();
    await createMeter(store, METER);
    const sent = spread('j', 400, JANUARY, Date.UTC(2026, 1, 1));
    for (let i = 0; i < sent.length; i += 100) await store.append(items(sent.slice(i, i + 100)));
    // Folded (a read waits for it) before the clock moves on, so the month is quiet by then.
    await store.stats();
    t.clock += 60_000;

    t.rewrite.arm();
    const compacting = store.compactNow();
    await t.rewrite.entered;
    const late = spread('late', 120, JANUARY, Date.UTC(2026, 1, 1));
    await store.append(items(late));
    sent.push(...late);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    t.rewrite.release();
    expect((await compacting).map((c) => c.kind)).toEqual(['month']);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });

    // The late rows made January due again: its second rewrite merges them too.
    t.clock += 60_000;
    expect(store.compactionBacklog()).toBe(1);
    await store.compactNow();
    expect(store.rollupStats().partialRows).toBe(0);
    const size = await store.rollupSize();
    expect(size.rows).toBe(size.keys);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    await store.close();
    store = await t.open();
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    await store.close();
  });

  it('is rebuilt by a backfill, unready after a change of dimensions, gone with the meter', async () => {
    const t = rollupScenario(NOW);
    const store = await t.open();
    await createMeter(store, METER);
    const sent = spread('s', 300, JANUARY, NOW);
    await store.append(items(sent));
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });

    // A backfill that extracts twice the values: the rollup follows in the same transaction.
    const backfill = (m: MeterDefinition, factor: number, dims: (s: Sent) => string[]) =>
      store.replaceMeterRows(m.id, ACCOUNT, async (emit) => {
        await emit(
          sent.map((s) => ({
            meterId: m.id,
            time: s.time,
            subject: s.subject,
            value: factor * s.value,
            valueText: null,
            dims: dims(s),
          })),
        );
      });
    await backfill(METER, 2, (s) => [s.model]);
    expect(await answers(store)).toEqual({ ...expected(sent, 2), from: 'rollup' });

    // A second dimension: raw rows answer until the backfill has rebuilt the rollup's slots.
    const edited: MeterDefinition = {
      ...METER,
      dimensions: [
        ['model', '$.model'],
        ['tier', '$.tier'],
      ],
    };
    await store.putMeter(edited);
    expect(store.rollupStats()).toMatchObject({ ready: [], pending: [METER.id] });
    expect(await answers(store)).toEqual({ ...expected(sent, 2), from: 'raw' });
    await backfill(edited, 3, (s) => [s.model, s.tier]);
    expect(store.rollupStats()).toMatchObject({ ready: [METER.id], pending: [] });
    expect(await answers(store)).toEqual({ ...expected(sent, 3), from: 'rollup' });
    const tiers = await answers(store, 1);
    expect(tiers.from).toBe('rollup');
    const want = new Map<string, number>();
    for (const s of sent) want.set(s.tier, (want.get(s.tier) ?? 0) + 3 * s.value);
    expect(tiers.models).toEqual(want);

    // A name change alters no rollup row: it stays ready.
    await store.putMeter({ ...edited, name: 'renamed' });
    expect(store.rollupStats().ready).toEqual([METER.id]);

    await store.putMeter({ ...edited, deletedAt: '2026-03-10T12:00:00.000Z' });
    await store.deleteMeterRows(METER.id);
    expect(store.rollupStats()).toMatchObject({ ready: [], pending: [] });
    expect(await answers(store)).toEqual({ days: new Map(), models: new Map(), from: 'raw' });
    await store.close();
  });

  it('a start without rollups drops them; the next start with rollups rebuilds them', async () => {
    const t = rollupScenario(NOW);
    let store = await t.open();
    await createMeter(store, METER);
    const sent = spread('o', 200, JANUARY, NOW);
    await store.append(items(sent));
    await store.close();

    store = await t.open(false);
    expect(store.rollupStats()).toMatchObject({ enabled: false, ready: [], pending: [] });
    const more = spread('p', 150, JANUARY, NOW);
    await store.append(items(more));
    sent.push(...more);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'raw' });
    await store.close();

    t.merge.arm();
    store = await t.open();
    await t.merge.entered;
    // The rebuild is open: raw rows answer, and a fold meanwhile counts once after it.
    expect(store.rollupStats()).toMatchObject({ enabled: true, ready: [], pending: [METER.id] });
    const during = spread('q', 90, JANUARY, NOW);
    await store.append(items(during));
    sent.push(...during);
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'raw' });
    t.merge.release();
    await store.rollupsRebuilt();
    expect(store.rollupStats()).toMatchObject({ ready: [METER.id], pending: [] });
    expect(await answers(store)).toEqual({ ...expected(sent), from: 'rollup' });
    await store.close();
  });
});
