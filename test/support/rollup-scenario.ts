// A data directory for the rollup maintenance tests: a store opened on it with compaction run by
// hand on a test clock, and the rollup merges and the rewrites held open by test hooks.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterDefinition } from '../../src/meter/meter-definition.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { Hold } from './hold.js';

export function rollupScenario(
  now: number,
  opts: { mergeRows?: number; subjectMinDayRows?: number } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'tally-rollup-'));
  const merge = new Hold();
  const rewrite = new Hold();
  const t = {
    merge,
    rewrite,
    clock: now,
    open: (rollups = true) =>
      DuckDbStore.open({
        dataDir: dir,
        rollups,
        compaction: {
          rewriteFraction: 0,
          intervalMs: 0,
          now: () => t.clock,
          holdRewrite: rewrite.hook,
          holdRollup: merge.hook,
          ...(opts.mergeRows === undefined ? {} : { rollupMergeRows: opts.mergeRows }),
          ...(opts.subjectMinDayRows === undefined
            ? {}
            : { subjectMinDayRows: opts.subjectMinDayRows }),
        },
      }),
  };
  return t;
}

/** A new meter as the meter service makes it: stored, then backfilled (here from no events). */
export async function createMeter(store: DuckDbStore, m: MeterDefinition): Promise<void> {
  await store.putMeter(m);
  await store.replaceMeterRows(m.id, m.accountId, async () => undefined);
}
