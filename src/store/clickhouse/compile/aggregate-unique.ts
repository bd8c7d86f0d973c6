import type { BaseUsageQuery } from '../../../query/planned-query.js';
import { keyNames, keySelect, rowsFrom, whereClause, windowExpr } from './common.js';

/** Exact distinct non-null value_text per window and group (uniqExact merges across shards). */
export function aggregateUniqueSql(q: BaseUsageQuery, gen: number): string {
  const select = [`${windowExpr(q.bucket)} AS w`, ...keySelect(q.groupBy)];
  const group = ['w', ...keyNames(q.groupBy)];
  return `SELECT ${select.join(', ')}, uniqExact(value_text) AS u FROM ${rowsFrom(q)} WHERE ${whereClause(q, gen)} GROUP BY ${group.join(', ')}`;
}
