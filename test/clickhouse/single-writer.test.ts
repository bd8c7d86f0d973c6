// One Tally process on ClickHouse (the default TALLY_CLICKHOUSE_WRITERS=single): dedupe is decided
// inside the process, so however slow ClickHouse looks (here: a clock that jumps a minute at every
// reading, so every claim insert "takes" a minute), each event is stored exactly once and no
// append fails for being slow.
import { describe, expect, it, vi } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { requestCounts, requestItem } from './request-events.js';
import { skipClickHouse } from './servers.js';
import type { Topology } from './stores.js';
import { suiteStore } from './suite-store.js';

const skip = skipClickHouse();
const APPENDS = 12;
const SIZE = 50;
const STEP = 25;

/** Append k sends ids [k*STEP, k*STEP + SIZE): neighbouring appends share STEP ids. */
function append(k: number): IngestItem[] {
  return Array.from({ length: SIZE }, (_, j) => {
    const n = k * STEP + j;
    return requestItem(n, { subject: `s${n % 7}` });
  });
}

describe.skipIf(skip).each(['single', 'cluster'] as Topology[])(
  'one Tally process (%s server)',
  (topology) => {
    const suite = suiteStore(topology, 'tally_one');

    it('stores each event once under a jumping clock, and never fails as too slow', async () => {
      const store = suite.store();
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
      expect(await requestCounts(store)).toEqual([distinct]);
    });
  },
);
