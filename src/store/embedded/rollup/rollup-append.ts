// Appends a fold's rollup rows (rollup-fold.ts) to rollup_15m (and subject_rollup_15m), and its
// distinct rows (distinct-fold.ts) to distinct_1d, through the writer connection's
// appender, a data chunk (up to 2048 rows) at a time: one native call per column instead of one
// per value. The caller flushes the appender and commits in the transaction of the meter rows.
import type { DuckDBAppender } from '@duckdb/node-api';
import { ChunkWriter, type ColumnKind } from '../chunk-writer.js';
import { subjectBucket } from '../subject-bucket.js';
import type { DistinctRow } from './distinct-fold.js';
import type { RollupRow } from './rollup-fold.js';

/** rollup_15m's column types in table order (../schema.ts, migration 5), exactly: no casts. */
const KINDS: readonly ColumnKind[] = [
  'varchar', // account_id
  'varchar', // meter_id
  'bigint', // bucket
  'tinyint', // slot
  'varchar', // dim
  'bigint', // value_count
  'double', // value_sum
  'double', // value_min
  'double', // value_max
  'bigint', // latest_time
  'double', // latest_value
];

/** A row's bucket, slot, dim and partial aggregate, from column `first` on (both tables' order). */
function writeAggregate(w: ChunkWriter, r: RollupRow, first: number): void {
  w.i64(first, r.bucket);
  w.i8(first + 1, r.slot);
  w.str(first + 2, r.dim);
  w.i64(first + 3, r.count);
  w.f64(first + 4, r.sum);
  w.f64(first + 5, r.min);
  w.f64(first + 6, r.max);
  w.i64(first + 7, r.latestTime);
  w.f64(first + 8, r.latestValue);
}

/**
 * Appends `rows`, yielding to the event loop every `yieldEvery` rows (the work is synchronous
 * native calls). Returns the number of rows appended.
 */
export async function appendRollupRows(
  appender: DuckDBAppender,
  rows: Iterable<RollupRow>,
  yieldEvery = 20_000,
): Promise<number> {
  const w = new ChunkWriter(appender, KINDS);
  let total = 0;
  for (const r of rows) {
    w.str(0, r.accountId);
    w.str(1, r.meterId);
    writeAggregate(w, r, 2);
    w.end();
    total++;
    if (total % yieldEvery === 0) await new Promise((r) => setImmediate(r));
  }
  w.flush();
  return total;
}

/** distinct_1d's column types in table order (../schema.ts, migration 11). */
const DISTINCT_KINDS: readonly ColumnKind[] = ['varchar', 'varchar', 'bigint', 'varchar'];

/** Appends `rows` to distinct_1d as appendRollupRows does. Returns the number appended. */
export async function appendDistinctRows(
  appender: DuckDBAppender,
  rows: Iterable<DistinctRow>,
  yieldEvery = 20_000,
): Promise<number> {
  const w = new ChunkWriter(appender, DISTINCT_KINDS);
  let total = 0;
  for (const r of rows) {
    w.str(0, r.accountId);
    w.str(1, r.meterId);
    w.i64(2, r.day);
    w.str(3, r.value);
    w.end();
    total++;
    if (total % yieldEvery === 0) await new Promise((r) => setImmediate(r));
  }
  w.flush();
  return total;
}

/** subject_rollup_15m's column types in table order (../schema.ts, migration 12). */
const SUBJECT_KINDS: readonly ColumnKind[] = [
  'varchar', // account_id
  'varchar', // meter_id
  'varchar', // subject
  'usmallint', // sb
  ...KINDS.slice(2),
];

/** Appends a per-subject fold's rows to subject_rollup_15m as appendRollupRows does. */
export async function appendSubjectRollupRows(
  appender: DuckDBAppender,
  rows: Iterable<RollupRow>,
  yieldEvery = 20_000,
): Promise<number> {
  const w = new ChunkWriter(appender, SUBJECT_KINDS);
  let total = 0;
  let lastSubject: string | undefined;
  let lastBucket = 0;
  for (const r of rows) {
    const subject = r.subject ?? '';
    if (subject !== lastSubject) {
      lastSubject = subject;
      lastBucket = subjectBucket(subject);
    }
    w.str(0, r.accountId);
    w.str(1, r.meterId);
    w.str(2, subject);
    w.u16(3, lastBucket);
    writeAggregate(w, r, 4);
    w.end();
    total++;
    if (total % yieldEvery === 0) await new Promise((r) => setImmediate(r));
  }
  w.flush();
  return total;
}
