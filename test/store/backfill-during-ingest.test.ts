// A backfill while events keep arriving: the events acknowledged during it are folded after it,
// and neither waits for the other for ever (the scan inside the backfill does not wait for a fold
// that is queued behind the backfill).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { IngestItem, StoredEvent } from '../../src/ingest/stored-event.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-backfill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 5);
const event = (n: number): IngestItem => ({
  event: {
    accountId: 'acct_b',
    id: `e${n}`,
    source: 's',
    type: 'call',
    subject: 'cust',
    time: T0 + n * 1000,
    ingestedAt: T0,
    data: JSON.stringify({ n }),
  },
  rows: [{ meterId: 'm1', value: n, valueText: null, dims: [] }],
});

it('a backfill scanning events while new ones are acknowledged finishes, and so do they', async () => {
  const store = await DuckDbStore.open({ dataDir: dir, compaction: { intervalMs: 0 } });
  try {
    await store.append([event(1), event(2)]);
    const scanned: StoredEvent[] = [];
    await store.replaceMeterRows('m1', 'acct_b', async (emit) => {
      // An event acknowledged while the backfill holds the writer: its fold waits for the backfill.
      expect((await store.append([event(3)])).duplicates).toEqual([]);
      await store.scanEvents('acct_b', 'call', async (batch) => {
        scanned.push(...batch);
      });
      await emit(
        scanned.map((e) => ({
          meterId: 'm1',
          time: e.time,
          subject: e.subject,
          value: 10 * Number(JSON.parse(e.data).n),
          valueText: null,
          dims: [],
        })),
      );
    });
    // The backfill saw the events folded before it; the third came after, with its own row.
    expect(scanned.map((e) => e.id).sort()).toEqual(['e1', 'e2']);
    const rows = await store.aggregateNumeric({
      accountId: 'acct_b',
      meterId: 'm1',
      from: T0,
      to: T0 + 86_400_000,
      bucket: { kind: 'all' },
      groupBy: [],
    });
    expect(rows.map((r) => [r.count, r.sum])).toEqual([[3, 10 + 20 + 3]]);
  } finally {
    await store.close();
  }
});
