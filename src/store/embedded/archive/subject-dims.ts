// Per archived month: how many distinct values each subject has in each dimension slot of each
// meter (table archive_subject_dims, one row per file generation, meter and subject, with a
// done marker per file in archive_subject_dims_files). Written in the transaction that writes a
// month's meter rows file, and for files written before this existed, by a background fill.
//
// It lets the cost check bound a per-subject query without reading its rows: the groups of a
// query confined to subjects S and grouped by slots G over [from, to) are at most, summed over the
// archived months the range meets and the subjects of S, the product over G of the month's
// distinct counts, plus the groups of its rows still in the hot table (estimated from them).
// A per-customer dashboard query otherwise reads its customer's rows twice, once to estimate
// and once to aggregate. The counts are of closed files, so they stay exact for their generation;
// a month archived again or rewritten by a backfill is a new generation, counted again. Each
// month's rows are written sorted by subject, so that DuckDB's row-group min/max skip the other
// customers' rows when the table is large.
import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import type { GroupEstimateQuery } from '../../../query/planned-query.js';
import { dimColumn, meterRowsWhere } from '../compile-usage.js';
import { METER_ROWS_HOT } from '../schema.js';
import { lit, litList } from '../sql-quote.js';

const SLOTS = Array.from({ length: MAX_DIMENSIONS }, (_, i) => i);

/** 31 days: a month that starts earlier than this before `from` holds no row at or after it. */
const LONGEST_MONTH_MS = 31 * 86_400_000;

/**
 * The slots of a meter rows file that hold a value in some row, from the footer's statistics (a
 * row group without a null count is taken to hold values: a slot counted as empty would be 1).
 */
export function compileSlotsWithValues(file: string): string {
  return `SELECT path_in_schema AS col FROM parquet_metadata(${lit(file)}) WHERE path_in_schema IN (${litList(SLOTS.map((s) => `g${s}`))}) GROUP BY path_in_schema HAVING bool_or(stats_null_count IS NULL) OR sum(stats_null_count) < sum(num_values)`;
}

/**
 * The counts of one meter rows file (month, generation) and its done marker. NULL is a value of
 * its own (GROUP BY keeps it as a group); a slot no row fills counts 1, the NULL group. Inserts
 * only, so that the background count never conflicts with a backfill rewriting the same month.
 */
export function compileSubjectDimsFill(
  file: string,
  month: number,
  gen: number,
  slotsWithValues: readonly number[],
): string[] {
  const filled = new Set(slotsWithValues);
  const counts = SLOTS.map((s) =>
    filled.has(s)
      ? `CAST(count(DISTINCT g${s}) + CAST(count(*) > count(g${s}) AS INTEGER) AS INTEGER)`
      : '1',
  );
  const marker = litList([month, gen]);
  return [
    `INSERT INTO archive_subject_dims SELECT ${marker}, account_id, meter_id, subject, ${counts.join(', ')} FROM read_parquet(${lit(file)}) GROUP BY account_id, meter_id, subject ORDER BY account_id, meter_id, subject`,
    `INSERT INTO archive_subject_dims_files VALUES (${marker})`,
  ];
}

/** The counts of a month's generations before `gen`, deleted when `gen` replaces them. */
export function compileSubjectDimsRetire(month: number, gen: number): string[] {
  const where = `WHERE month = ${lit(month)} AND rows_gen < ${lit(gen)}`;
  return [
    `DELETE FROM archive_subject_dims ${where}`,
    `DELETE FROM archive_subject_dims_files ${where}`,
  ];
}

/** Archived months whose current meter rows file has no counts yet (written before they existed). */
export const SELECT_MONTHS_WITHOUT_DIMS =
  'SELECT a.month FROM archive_months a ANTI JOIN archive_subject_dims_files f ON f.month = a.month AND f.rows_gen = a.rows_gen ORDER BY a.month';

/**
 * The bound of a query confined to `subjects`, in one statement (one snapshot: an archive that
 * moves rows from the hot table into a file swaps both at once). Columns: `missing`, archived
 * months in range without counts for their current file (the bound is then unknown); `archived`,
 * the sum over them; `hot`, the estimate over the hot rows.
 */
export function compileSubjectBound(q: GroupEstimateQuery, subjects: readonly string[]): string {
  const product = q.groupBy
    .filter((d) => d.kind === 'dim')
    .map((d) => `CAST(n${dimColumn(d).slice(1)} AS DOUBLE)`);
  const keys = q.groupBy.map(dimColumn).join(', ');
  const months = `SELECT a.month, a.rows_gen, f.month IS NOT NULL AS done FROM archive_months a LEFT JOIN archive_subject_dims_files f ON f.month = a.month AND f.rows_gen = a.rows_gen WHERE a.month < ${lit(q.to)} AND a.month > ${lit(q.from - LONGEST_MONTH_MS)}`;
  const archived = `SELECT coalesce(sum(${product.length === 0 ? '1' : product.join(' * ')}), 0) FROM archive_subject_dims d JOIN months m ON d.month = m.month AND d.rows_gen = m.rows_gen WHERE d.account_id = ${lit(q.accountId)} AND d.meter_id = ${lit(q.meterId)} AND d.subject IN (${litList([...subjects])})`;
  const hot = `SELECT approx_count_distinct(hash(${keys})) FROM ${METER_ROWS_HOT} WHERE ${meterRowsWhere(q)}`;
  return `WITH months AS (${months}) SELECT (SELECT count(*) FILTER (WHERE NOT done) FROM months) AS missing, (${archived}) AS archived, (${hot}) AS hot`;
}
