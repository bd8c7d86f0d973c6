// One Tally process on ClickHouse (the default TALLY_CLICKHOUSE_WRITERS=single): dedupe is decided
// inside the process, so however slow ClickHouse looks (here: a clock that jumps a minute at every
// reading, so every claim insert "takes" a minute), each event is stored exactly once and no
// append fails for being slow.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IngestItem, Store } from '../../src/store/ports.js';
import { freshDatabase, skipClickHouse } from './servers.js';
import { dropDatabase, openStore, type Topology } from './stores.js';

const skip = skipClickHouse();
const APPENDS = 12;
const SIZE = 50;
const STEP = 25;

/** Append k sends ids [k*STEP, k*STEP + SIZE): neighbouring appends share STEP ids. */
function append(k: number): IngestItem[] {
  return Array.from({ length: SIZE }, (_, j) => {
    const n = k * STEP + j;
    return {
      event: {
        accountId: 'acc',
        id: `e${n}`,
        source: 'svc',
        type: 'request',
        subject: `s${n % 7}`,
        time: 1_700_000_000_000 + n * 1000,
        ingestedAt: 1_700_000_000_000,
        data: '{}',
      },
      rows: [{ meterId: 'm1', value: 1, valueText: null, dims: [] }],
    };
  });
}

describe.skipIf(skip).each(['single', 'cluster'] as Topology[])(
  'one Tally process (%s server)',
  (topology) => {
    const database = freshDatabase('tally_one');
    let store: Store;
    beforeAll(async () => {
      store = await openStore(topology, database);
    });
    afterAll(async () => {
      await store?.close();
      await dropDatabase(topology, database);
    });

    it('stores each event once under a jumping clock, and never fails as too slow', async () => {
      const distinct = (APPENDS - 1) * STEP + SIZE;
      let fake = Date.now();
      const clock = vi.spyOn(Date, 'now').mockImplementation(() => {
        fake += 60_000;
        return fake;
      });
      let results: { duplicates: number[] }[];
      let again: { duplicates: number[] }[];
      try {
        // All at once: overlapping identities are in flight in several flushes together.
        results = await Promise.all(
          Array.from({ length: APPENDS }, (_, k) => store.append(append(k))),
        );
        again = await Promise.all(
          Array.from({ length: APPENDS }, (_, k) => store.append(append(k))),
        );
      } finally {
        clock.mockRestore();
      }
      const stored = results.reduce((s, r) => s + SIZE - r.duplicates.length, 0);
      expect(stored).toBe(distinct);
      expect(again.every((r) => r.duplicates.length === SIZE)).toBe(true);
      expect((await store.stats()).events).toBe(distinct);
      const rows = await store.aggregateNumeric({
        accountId: 'acc',
        meterId: 'm1',
        from: 0,
        to: 2_000_000_000_000,
        bucket: { kind: 'all' },
        groupBy: [],
      });
      expect(rows.map((r) => r.count)).toEqual([distinct]);
    });
  },
);
