// Appends a fold's rollup rows (rollup-fold.ts) to rollup_15m through the writer connection's
// appender, a data chunk (up to 2048 rows) at a time: one native call per column instead of one
// per value. The caller flushes the appender and commits in the transaction of the meter rows.
import {
  BIGINT,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
  TINYINT,
  VARCHAR,
} from '@duckdb/node-api';
import { ChunkWriter } from '../chunk-writer.js';
import type { RollupRow } from './rollup-fold.js';

/** rollup_15m's column types in table order (../schema.ts, migration 5), exactly: no casts. */
const TYPES: readonly DuckDBType[] = [
  VARCHAR, // account_id
  VARCHAR, // meter_id
  BIGINT, // bucket
  TINYINT, // slot
  VARCHAR, // dim
  BIGINT, // value_count
  DOUBLE, // value_sum
  DOUBLE, // value_min
  DOUBLE, // value_max
  BIGINT, // latest_time
  DOUBLE, // latest_value
];

/**
 * Appends `rows`, yielding to the event loop every `yieldEvery` rows (the work is synchronous
 * native calls). Returns the number of rows appended.
 */
export async function appendRollupRows(
  appender: DuckDBAppender,
  rows: Iterable<RollupRow>,
  yieldEvery = 20_000,
): Promise<number> {
  const w = new ChunkWriter(appender, TYPES);
  const cols = w.cols;
  let total = 0;
  // BigInt conversion is the costly part: a fold's rows come grouped by bucket.
  let lastBucket = Number.NaN;
  let bucket = 0n;
  for (const r of rows) {
    if (r.bucket !== lastBucket) {
      lastBucket = r.bucket;
      bucket = BigInt(r.bucket);
    }
    const n = w.start();
    (cols[0] as DuckDBValue[])[n] = r.accountId;
    (cols[1] as DuckDBValue[])[n] = r.meterId;
    (cols[2] as DuckDBValue[])[n] = bucket;
    (cols[3] as DuckDBValue[])[n] = r.slot;
    (cols[4] as DuckDBValue[])[n] = r.dim;
    (cols[5] as DuckDBValue[])[n] = BigInt(r.count);
    (cols[6] as DuckDBValue[])[n] = r.sum;
    (cols[7] as DuckDBValue[])[n] = r.min;
    (cols[8] as DuckDBValue[])[n] = r.max;
    (cols[9] as DuckDBValue[])[n] = r.latestTime === null ? null : BigInt(r.latestTime);
    (cols[10] as DuckDBValue[])[n] = r.latestValue;
    w.end();
    total++;
    if (total % yieldEvery === 0) await new Promise((r) => setImmediate(r));
  }
  w.flush();
  return total;
}
