import type { BaseUsageQuery, Bucketing } from '../../../query/planned-query.js';
import { keyNames, keySelect, rowsFrom, whereClause, windowExpr } from './common.js';

/**
 * Cumulative distinct counts: the first window of each (period, group, value), then how many
 * values were first seen in each window. The inner GROUP BY runs over the Distributed table, so it
 * is merged across shards before the outer count.
 */
export function uniqueFirstSeenSql(q: BaseUsageQuery, period: Bucketing, gen: number): string {
  const keys = keyNames(q.groupBy);
  const inner = `SELECT ${[`${windowExpr(period)} AS p`, ...keySelect(q.groupBy)].join(', ')}, value_text, min(${windowExpr(q.bucket)}) AS w FROM ${rowsFrom(q)} WHERE ${whereClause(q, gen, 'isNotNull(value_text)')} GROUP BY ${['p', ...keys, 'value_text'].join(', ')}`;
  const outer = ['p', 'w', ...keys];
  return `SELECT ${outer.join(', ')}, count() AS c FROM (${inner}) GROUP BY ${outer.join(', ')}`;
}
