// A dimension with about a value per event (an id) makes the rollup as large as the meter rows.
// The compactor drops such a slot from the meter's rollup once a rewritten range has shown it:
// queries on it then read the meter rows (same numbers), the other slots keep answering from the
// rollup, its rows are gone, and the drop survives a restart and is forgotten by a redefinition.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { MeterDefinition } from '../../src/meter/meter-definition.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const ACCOUNT = 'acc_dense';
const JANUARY = Date.UTC(2026, 0, 1);
const FEBRUARY = Date.UTC(2026, 1, 1);
const NOW = Date.UTC(2026, 2, 10, 12);
const MODELS = ['small', 'large', 'huge'];

const METER: MeterDefinition = {
  id: 'm_tokens',
  accountId: ACCOUNT,
  slug: 'tokens',
  name: 'tokens',
  aggregation: 'SUM',
  eventType: 'usage',
  valueProperty: '$.v',
  dimensions: [
    ['model', '$.model'],
    ['request', '$.request'],
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

interface Sent {
  id: string;
  model: string;
  time: number;
  value: number;
}

/**
 * `count` events over January 10 (dense: about 31 per 15-minute bucket for 3,000, so the model
 * slot's 3 rows per bucket are few against them), each with a request id of its own.
 */
function january(count: number): Sent[] {
  const day = Date.UTC(2026, 0, 10);
  return Array.from({ length: count }, (_, i) => ({
    id: `e${i}`,
    model: MODELS[i % MODELS.length] as string,
    time: day + Math.floor((i * 86_400_000) / count),
    value: (i % 7) + 1,
  }));
}

function items(sent: readonly Sent[]): IngestItem[] {
  return sent.map((s) => ({
    event: {
      accountId: ACCOUNT,
      id: s.id,
      source: 'test',
      type: 'usage',
      subject: 'cust',
      time: s.time,
      ingestedAt: s.time,
      data: JSON.stringify({ v: s.value, model: s.model, request: `req-${s.id}` }),
    },
    rows: [{ meterId: METER.id, value: s.value, valueText: null, dims: [s.model, `req-${s.id}`] }],
  }));
}

/** Sums over January grouped by one slot, and whether the rollup answered. */
async function bySlot(store: DuckDbStore, slot: number) {
  const before = store.rollupStats().reads;
  const rows = await store.aggregateNumeric({
    accountId: ACCOUNT,
    meterId: METER.id,
    from: JANUARY,
    to: FEBRUARY,
    bucket: { kind: 'all' },
    groupBy: [{ kind: 'dim', slot }],
  });
  return {
    sums: new Map(rows.map((r) => [r.keys[0] as string, r.sum])),
    fromRollup: store.rollupStats().reads > before,
  };
}

function expectedBy(sent: readonly Sent[], key: (s: Sent) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of sent) out.set(key(s), (out.get(key(s)) ?? 0) + s.value);
  return out;
}

async function rollupRowsOfSlot(dir: string, slot: number): Promise<number> {
  const db = await DuckDBInstance.create(join(dir, 'tally.duckdb'));
  const conn = await db.connect();
  try {
    const [[n]] = (
      await conn.runAndReadAll(`SELECT count(*) FROM rollup_15m WHERE slot = ${slot}`)
    ).getRows() as [[bigint]];
    return Number(n);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('rollup slots with a value per event', () => {
  it('drops the dense slot after a rewrite, keeps the others, and answers the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-dense-'));
    const clock = { now: NOW };
    const open = () =>
      DuckDbStore.open({
        dataDir: dir,
        compaction: { intervalMs: 0, now: () => clock.now, rollupDropMinRows: 2_000 },
      });
    let store = await open();
    await store.putMeter(METER);
    // As a meter's creation does: a backfill (of nothing yet) completes its rollup.
    await store.replaceMeterRows(METER.id, ACCOUNT, async () => {});
    const sent = january(3_000);
    await store.append(items(sent));
    const byModel = expectedBy(sent, (s) => s.model);
    const byRequest = expectedBy(sent, (s) => `req-${s.id}`);

    // Before any rewrite both slots answer from the rollup.
    expect(await bySlot(store, 0)).toEqual({ sums: byModel, fromRollup: true });
    expect(await bySlot(store, 1)).toEqual({ sums: byRequest, fromRollup: true });
    expect(store.rollupStats().droppedSlots).toEqual([]);

    clock.now += 60_000;
    expect((await store.compactNow()).map((c) => c.kind)).toContain('month');
    // The request slot has a rollup row per event: dropped. The model slot has 3 per bucket.
    expect(store.rollupStats().droppedSlots).toEqual([`${METER.id}:1`]);
    expect(await bySlot(store, 1)).toEqual({ sums: byRequest, fromRollup: false });
    expect(await bySlot(store, 0)).toEqual({ sums: byModel, fromRollup: true });

    // Late events: folds write no rows for the dropped slot; the numbers still hold.
    const late = january(300).map((s) => ({ ...s, id: `late${s.id}` }));
    await store.append(items(late));
    sent.push(...late);
    expect(await bySlot(store, 1)).toEqual({
      sums: expectedBy(sent, (s) => `req-${s.id}`),
      fromRollup: false,
    });
    expect(await bySlot(store, 0)).toEqual({
      sums: expectedBy(sent, (s) => s.model),
      fromRollup: true,
    });
    await store.close();
    expect(await rollupRowsOfSlot(dir, 1)).toBe(0);
    expect(await rollupRowsOfSlot(dir, 0)).toBeGreaterThan(0);

    // The drop is remembered across a restart ...
    store = await open();
    expect(store.rollupStats().droppedSlots).toEqual([`${METER.id}:1`]);
    expect(await bySlot(store, 1)).toEqual({
      sums: expectedBy(sent, (s) => `req-${s.id}`),
      fromRollup: false,
    });
    // ... and forgotten when the meter's dimensions change (each slot is judged again).
    await store.putMeter({
      ...METER,
      dimensions: [['model', '$.model']],
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
    expect(store.rollupStats().droppedSlots).toEqual([]);
    await store.close();
  });

  it('keeps every slot when the rewritten range has too few rows to judge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-dense-few-'));
    const clock = { now: NOW };
    const store = await DuckDbStore.open({
      dataDir: dir,
      compaction: { intervalMs: 0, now: () => clock.now },
    });
    await store.putMeter(METER);
    // As a meter's creation does: a backfill (of nothing yet) completes its rollup.
    await store.replaceMeterRows(METER.id, ACCOUNT, async () => {});
    const sent = january(3_000); // below the default of 20,000 meter rows
    await store.append(items(sent));
    await store.stats();
    clock.now += 60_000;
    await store.compactNow();
    expect(store.rollupStats().droppedSlots).toEqual([]);
    expect(await bySlot(store, 1)).toEqual({
      sums: expectedBy(sent, (s) => `req-${s.id}`),
      fromRollup: true,
    });
    await store.close();
  });
});
