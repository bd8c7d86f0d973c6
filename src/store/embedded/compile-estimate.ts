// SQL for the usage service's cost check: about how many groups a query would produce, and the
// row cap on the result. Identifiers come only from `dimColumn`; every value goes through `lit`.
import type { GroupEstimateQuery } from '../../query/planned-query.js';
import { dimColumn, meterRowsWhere, rowsFrom } from './compile-usage.js';
import { lit } from './sql-quote.js';

/**
 * One pass over the key columns of the matching rows into a HyperLogLog sketch: constant memory
 * however many groups there are (an exact DISTINCT would hold them all). hash() of the tuple keeps
 * NULL keys as groups of their own, as GROUP BY does.
 */
export function compileEstimateGroups(q: GroupEstimateQuery): string {
  const keys = q.groupBy.map(dimColumn).join(', ');
  return `SELECT approx_count_distinct(hash(${keys})) AS g FROM ${rowsFrom(q)} WHERE ${meterRowsWhere(q)}`;
}

/** `sql` capped at the query's `rowLimit` (none: as it is). */
export function limited(sql: string, q: { rowLimit?: number }): string {
  const limit = q.rowLimit;
  if (limit === undefined) return sql;
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`bad row limit ${limit}`);
  return `SELECT * FROM (${sql}) LIMIT ${lit(limit)}`;
}
