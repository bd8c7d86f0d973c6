import type { BaseUsageQuery } from '../../../query/planned-query.js';
import { keyNames, keySelect, rowsFrom, whereClause, windowExpr } from './common.js';

/**
 * Partial numeric aggregates per window and group. Latest is always computed: argMax over
 * (time, value) skips NULL values by itself and costs little next to the scan.
 */
export function aggregateNumericSql(q: BaseUsageQuery, gen: number): string {
  const select = [`${windowExpr(q.bucket)} AS w`, ...keySelect(q.groupBy)];
  const group = ['w', ...keyNames(q.groupBy)];
  return `SELECT ${select.join(', ')}, count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx, argMax(value, tuple(time, value)) AS lv, maxIf(time, isNotNull(value)) AS lt FROM ${rowsFrom(q)} WHERE ${whereClause(q, gen)} GROUP BY ${group.join(', ')}`;
}
