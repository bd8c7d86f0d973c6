// Pure SQL that keeps distinct_1d equal to the distinct values per UTC day of meter_rows: a
// meter's rows rebuilt (backfill, or a start that found them missing), deleted with the meter,
// and a day range's duplicate rows merged into one. compileDistinctFold states a fold's rows in
// SQL, the reference the in-memory fold (distinct-fold.ts) is tested against. Values go through
// `lit`.

import { DAY_MS } from '../compaction-policy.js';
import { lit } from '../sql-quote.js';
import { DISTINCT_COLUMNS, DISTINCT_ORDER } from './distinct-schema.js';

/** Floor to the UTC midnight, not `//`: DuckDB's integer division truncates toward zero. */
const DAY_EXPR = `time - (((time % ${lit(DAY_MS)}) + ${lit(DAY_MS)}) % ${lit(DAY_MS)})`;

/** The distinct (account, meter, day, value) of `source` rows passing `where`, NULL included. */
function distinctFrom(source: string, where: string): string {
  return `SELECT DISTINCT account_id, meter_id, ${DAY_EXPR} AS day, value_text FROM ${source} WHERE ${where}`;
}

/** The rows of the meters in `meterIds` staged in fold_rows (compile-rollup-write.ts). */
export function compileDistinctFold(meterIds: readonly string[]): string | undefined {
  if (meterIds.length === 0) return undefined;
  const where = `meter_id IN (${meterIds.map((id) => lit(id)).join(', ')})`;
  return `INSERT INTO distinct_1d (${DISTINCT_COLUMNS}) ${distinctFrom('fold_rows', where)}`;
}

/** The meter's rows deleted (with compileRollupUnready: the meter deleted or redefined). */
export function compileDistinctDelete(meterId: string): string {
  return `DELETE FROM distinct_1d WHERE meter_id = ${lit(meterId)}`;
}

/**
 * The meter's rows from meter_rows in DISTINCT_ORDER (compileDistinctRebuild runs it between
 * the delete and the ready mark). Rows folds commit after the transaction's snapshot are not
 * read, and their folds add their own rows.
 */
export function compileDistinctRows(meterId: string): string {
  const rows = distinctFrom('meter_rows', `meter_id = ${lit(meterId)}`);
  return `INSERT INTO distinct_1d (${DISTINCT_COLUMNS}) ${rows} ORDER BY ${DISTINCT_ORDER}`;
}

/**
 * The rows of the days starting in [from, to) merged into one per value and written back in
 * DISTINCT_ORDER: statements to run in order in one transaction. Rows a fold commits after the
 * snapshot stay as they are.
 */
export function compileDistinctMerge(from: number, to: number): string[] {
  const range = `day >= ${lit(from)} AND day < ${lit(to)}`;
  return [
    `CREATE TEMP TABLE distinct_merge AS SELECT DISTINCT ${DISTINCT_COLUMNS} FROM distinct_1d WHERE ${range} ORDER BY ${DISTINCT_ORDER}`,
    `DELETE FROM distinct_1d WHERE ${range}`,
    `INSERT INTO distinct_1d (${DISTINCT_COLUMNS}) SELECT ${DISTINCT_COLUMNS} FROM distinct_merge`,
    'DROP TABLE distinct_merge',
  ];
}
