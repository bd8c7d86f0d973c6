import type { DistinctValuesQuery } from '../../../query/planned-query.js';
import { lit } from '../quote.js';
import { dimColumn } from './common.js';

/** Distinct non-null values of one dimension (or subjects) of a meter in a range, sorted. */
export function distinctValuesSql(q: DistinctValuesQuery, gen: number): string {
  const col = dimColumn(q.dim);
  if (!Number.isInteger(q.limit) || q.limit < 0) throw new Error(`bad limit ${q.limit}`);
  return `SELECT DISTINCT ${col} AS v FROM meter_rows WHERE account_id = ${lit(q.accountId)} AND meter_id = ${lit(q.meterId)} AND gen = ${lit(gen)} AND time >= ${lit(q.from)} AND time < ${lit(q.to)} AND isNotNull(${col}) ORDER BY v LIMIT ${lit(q.limit)}`;
}
