import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import type { Store } from '../../src/store/ports.js';
import { runStoreBehaviour } from '../behaviour/store-behaviour.js';

// The same behaviour with the 15-minute rollup answering the queries it serves, and without it;
// and with every closed month moved into the archive once the suite's data is stored (its events
// are from 2024), so that the answers come from the Parquet files and the hot rows added later.
// That variant also judges rollup slots on any number of rows, so the sparse fixture's dimension
// slots are dropped from the rollup (rollup/rollup-upkeep.ts) and their queries read raw rows,
// and tracks every subject a rewritten day holds a row of, so that queries confined to subjects
// read their per-subject rollup rows (rollup/subject-schema.ts).
const variants = [
  { rollups: true, archived: false },
  { rollups: false, archived: false },
  { rollups: true, archived: true },
];
for (const { rollups, archived } of variants) {
  const label = `embedded DuckDB, rollups ${rollups ? 'on' : 'off'}${archived ? ', closed months archived' : ''}`;
  const dirs = new WeakMap<object, string>();
  const opened: DuckDbStore[] = [];
  // The archiving variant's clock jumps an hour ahead once the data is in: every month is quiet.
  let ahead = 0;
  const now = () => Date.now() + ahead;
  const open = async (dir: string) => {
    const store = await DuckDbStore.open({
      dataDir: dir,
      rollups,
      compaction: {
        intervalMs: 0,
        ...(archived ? { now, rollupDropMinRows: 1, subjectMinDayRows: 1 } : {}),
      },
    });
    dirs.set(store, dir);
    opened.push(store);
    return store;
  };
  const settle = async (store: Store) => {
    const s = store as DuckDbStore;
    await s.stats(); // every acknowledged event folded before the clock jumps
    ahead = 3_600_000;
    await s.compactNow();
    expect(s.archivedMonths().length).toBeGreaterThan(3);
    expect(s.rollupStats().droppedSlots.length).toBeGreaterThan(0);
    expect(s.compactionBacklog()).toBe(0);
  };
  runStoreBehaviour(label, {
    open: () => open(mkdtempSync(join(tmpdir(), 'tally-store-'))),
    reopen: async (previous) => {
      const dir = dirs.get(previous);
      if (!dir) throw new Error('unknown store');
      await previous.close();
      return open(dir);
    },
    ...(archived ? { settle } : {}),
  });

  // Runs after the suite: the rollup did answer (or, off, never did) some of its queries.
  describe(`${label}: where the answers came from`, () => {
    it(rollups ? 'some from the rollup' : 'none from the rollup', () => {
      const reads = opened.reduce((n, s) => n + s.rollupStats().reads, 0);
      const distinct = opened.reduce((n, s) => n + s.rollupStats().distinctReads, 0);
      const bySubject = opened.reduce((n, s) => n + s.rollupStats().subjectReads, 0);
      if (rollups) {
        expect(reads).toBeGreaterThan(distinct);
        expect(distinct, 'unique queries from the daily distinct values').toBeGreaterThan(0);
      } else expect(reads).toBe(0);
      if (archived) {
        expect(bySubject, 'per-subject queries from tracked subjects').toBeGreaterThan(0);
      } else expect(bySubject).toBe(0);
      expect(opened.every((s) => s.rollupStats().enabled === rollups)).toBe(true);
    });
    it(archived ? 'months from the archive' : 'nothing archived', () => {
      const months = opened.reduce((n, s) => n + s.archivedMonths().length, 0);
      if (archived) expect(months).toBeGreaterThan(0);
      else expect(months).toBe(0);
    });
  });
}
