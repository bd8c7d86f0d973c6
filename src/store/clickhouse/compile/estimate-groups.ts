// SQL for the usage service's cost check: about how many groups a query would produce, and the
// row cap on the result. Runs on ClickHouse 18.16 and current releases.
import type { GroupEstimateQuery } from '../../../query/planned-query.js';
import { lit } from '../quote.js';
import { dimColumn, rowsFrom, whereClause } from './common.js';

/**
 * uniq() is ClickHouse's adaptive-sampling distinct count: exact for small sets, approximate and
 * constant-memory for large ones. Aggregates skip rows whose Nullable argument is NULL, so each key
 * is passed as (isNull, ifNull) to count NULL keys as the groups GROUP BY makes of them.
 */
export function estimateGroupsSql(q: GroupEstimateQuery, gen: number): string {
  const args = q.groupBy.flatMap((d) => {
    const col = dimColumn(d);
    return [`isNull(${col})`, `ifNull(${col}, '')`];
  });
  return `SELECT uniq(${args.join(', ')}) AS g FROM ${rowsFrom(q)} WHERE ${whereClause({ ...q, bucket: { kind: 'all' } }, gen)}`;
}

/** `sql` capped at `limit` rows (undefined: as it is). */
export function withRowLimit(sql: string, limit: number | undefined): string {
  if (limit === undefined) return sql;
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`bad row limit ${limit}`);
  return `SELECT * FROM (${sql}) LIMIT ${lit(limit)}`;
}
