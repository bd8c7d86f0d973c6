import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { runStoreBehaviour } from '../behaviour/store-behaviour.js';

// The same behaviour with the 15-minute rollup answering the queries it serves, and without it.
for (const rollups of [true, false]) {
  const label = `embedded DuckDB, rollups ${rollups ? 'on' : 'off'}`;
  const dirs = new WeakMap<object, string>();
  const opened: DuckDbStore[] = [];
  const open = async (dir: string) => {
    const store = await DuckDbStore.open({ dataDir: dir, rollups });
    dirs.set(store, dir);
    opened.push(store);
    return store;
  };
  runStoreBehaviour(label, {
    open: () => open(mkdtempSync(join(tmpdir(), 'tally-store-'))),
    reopen: async (previous) => {
      const dir = dirs.get(previous);
      if (!dir) throw new Error('unknown store');
      await previous.close();
      return open(dir);
    },
  });

  // Runs after the suite: the rollup did answer (or, off, never did) some of its queries.
  describe(`${label}: where the answers came from`, () => {
    it(rollups ? 'some from the rollup' : 'none from the rollup', () => {
      const reads = opened.reduce((n, s) => n + s.rollupStats().reads, 0);
      if (rollups) expect(reads).toBeGreaterThan(0);
      else expect(reads).toBe(0);
      expect(opened.every((s) => s.rollupStats().enabled === rollups)).toBe(true);
    });
  });
}
