import type { BaseUsageQuery } from '../../../query/planned-query.js';
import { lit } from '../quote.js';
import { keyNames, keySelect, rowsFrom, whereClause, windowExpr } from './common.js';

/**
 * Rolling distinct counts without window functions (18.16 has none): the sorted distinct windows
 * of each (group, value) as an array, then each window w_i covers [w_i, min(w_{i+1}, w_i + span)).
 * Coverage intervals of one value never overlap, so summing them per window counts it once.
 */
export function uniqueCoverageSql(q: BaseUsageQuery, span: number, gen: number): string {
  if (!Number.isInteger(span) || span < 1) throw new Error(`rolling span must be >= 1: ${span}`);
  const keys = keyNames(q.groupBy);
  const n = lit(span);
  const perValue = `SELECT ${keySelect(q.groupBy).join(', ')}${keys.length ? ', ' : ''}value_text, arraySort(groupUniqArray(${windowExpr(q.bucket)})) AS ws FROM ${rowsFrom(q)} WHERE ${whereClause(q, gen, 'isNotNull(value_text)')} GROUP BY ${[...keys, 'value_text'].join(', ')}`;
  const intervals = `SELECT ${keys.length ? `${keys.join(', ')}, ` : ''}arrayJoin(arrayMap(i -> tuple(toInt64(ws[i]), toInt64(least(if(i < length(ws), ws[i + 1], ws[i] + ${n}), ws[i] + ${n}))), arrayEnumerate(ws))) AS se, tupleElement(se, 1) AS s, tupleElement(se, 2) AS e FROM (${perValue})`;
  const outer = ['s', 'e', ...keys];
  return `SELECT ${outer.join(', ')}, count() AS c FROM (${intervals}) GROUP BY ${outer.join(', ')}`;
}
