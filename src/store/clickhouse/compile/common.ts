// Building blocks shared by the query compilers: columns from closed sets, window-index
// expressions, filters and the common WHERE clause. Only SQL that runs on ClickHouse 18.16 and on
// current releases: integer arithmetic, multiIf, array literals; no toStartOfInterval, no
// DateTime64, no query parameters (every value goes through `lit`).

import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import type {
  BaseUsageQuery,
  Bucketing,
  DimRef,
  FilterNode,
} from '../../../query/planned-query.js';
import { lit, litList } from '../quote.js';
import { eventRowsRelation } from './event-source.js';
import { keySetSql } from './key-set.js';

const DAY_MS = 86_400_000;

/** The column of a dimension reference: `subject` or one of the fixed slots g0..g15. */
export function dimColumn(dim: DimRef): string {
  if (dim.kind === 'subject') return 'subject';
  if (dim.kind === 'customer') return customerColumn(dim.attribution);
  if (!Number.isInteger(dim.slot) || dim.slot < 0 || dim.slot >= MAX_DIMENSIONS) {
    throw new Error(`dimension slot out of range: ${dim.slot}`);
  }
  return `g${dim.slot}`;
}

/**
 * The subject's customer: transform() over the closed list of attributed subjects (values through
 * `lit`; 18.16 has it), NULL for a subject of no customer (customer ids are never empty). Rows are
 * grouped by it in SQL, so every aggregation is exact per customer.
 */
function customerColumn(attribution: readonly (readonly [string, string])[]): string {
  if (attribution.length === 0) return 'CAST(NULL AS Nullable(String))';
  const subjects = litList(attribution.map(([s]) => s));
  const customers = litList(attribution.map(([, c]) => c));
  return `nullIf(transform(subject, [${subjects}], [${customers}], ''), '')`;
}

/** Floor division; ClickHouse's intDiv truncates toward zero, which is wrong below the origin. */
function floorDiv(expr: string, divisor: number): string {
  return `(intDiv(${expr}, ${lit(divisor)}) - ((${expr}) % ${lit(divisor)} < 0))`;
}

/** SQL for the window index of the row's `time` under `bucket` (see Bucketing in ports.ts). */
export function windowExpr(bucket: Bucketing): string {
  switch (bucket.kind) {
    case 'all':
      return '0';
    case 'uniform':
      return floorDiv(`time - ${lit(bucket.origin)}`, bucket.width);
    case 'calendar': {
      if (bucket.dayToWindow.length === 0) return '(-1)';
      const localDay = floorDiv(`time + ${offsetExpr(bucket.offsets)}`, DAY_MS);
      // Array literals index from 1; the planner's range filter keeps the index inside the table.
      return `[${litList(bucket.dayToWindow)}][${localDay} - ${lit(bucket.baseDay)} + 1]`;
    }
  }
}

/** The UTC offset in force at `time`: that of the last span starting at or before it. */
function offsetExpr(spans: readonly { from: number; offsetMs: number }[]): string {
  const [first, ...rest] = spans;
  if (!first) return '0';
  if (rest.length === 0) return lit(first.offsetMs);
  const arms = rest
    .slice()
    .reverse()
    .map((s) => `time >= ${lit(s.from)}, ${lit(s.offsetMs)}`);
  return `multiIf(${arms.join(', ')}, ${lit(first.offsetMs)})`;
}

/**
 * A filter as SQL with SQL NULL semantics (a missing dimension matches no comparison). ClickHouse
 * answers `NULL NOT IN (...)` with true, so `nin` adds the NULL check explicitly.
 */
export function filterExpr(node: FilterNode): string {
  switch (node.op) {
    case 'and':
    case 'or':
      if (node.children.length === 0) return node.op === 'and' ? '1' : '0';
      return `(${node.children.map(filterExpr).join(node.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'in':
      if (node.values.length === 0) return '0';
      return `${dimColumn(node.dim)} IN (${litList(node.values)})`;
    case 'nin': {
      const col = dimColumn(node.dim);
      if (node.values.length === 0) return `isNotNull(${col})`;
      return `(isNotNull(${col}) AND ${col} NOT IN (${litList(node.values)}))`;
    }
    case 'keys':
    case 'notKeys':
      return keySetSql(node, dimColumn);
    case 'eq':
      return `${dimColumn(node.dim)} = ${lit(node.value)}`;
    case 'ne':
      return `${dimColumn(node.dim)} != ${lit(node.value)}`;
    case 'gt':
      return `${dimColumn(node.dim)} > ${lit(node.value)}`;
    case 'gte':
      return `${dimColumn(node.dim)} >= ${lit(node.value)}`;
    case 'lt':
      return `${dimColumn(node.dim)} < ${lit(node.value)}`;
    case 'lte':
      return `${dimColumn(node.dim)} <= ${lit(node.value)}`;
    case 'like':
      return `${dimColumn(node.dim)} LIKE ${lit(likePattern(node.value))}`;
    case 'nlike':
      return `${dimColumn(node.dim)} NOT LIKE ${lit(likePattern(node.value))}`;
    // 18.16 has no ILIKE; lowerUTF8 on both sides folds case the same way on every version.
    case 'ilike':
      return `lowerUTF8(${dimColumn(node.dim)}) LIKE lowerUTF8(${lit(likePattern(node.value))})`;
    case 'nilike':
      return `lowerUTF8(${dimColumn(node.dim)}) NOT LIKE lowerUTF8(${lit(likePattern(node.value))})`;
  }
}

/**
 * A LIKE pattern with SQL-standard meaning: `%` and `_` are wildcards and a backslash is an
 * ordinary character (as in the embedded store). ClickHouse's LIKE treats backslash as an escape,
 * so it is doubled here; the result is still a value and still goes through `lit`.
 */
export function likePattern(pattern: string): string {
  return pattern.replaceAll('\\', '\\\\');
}

/** The rows of one meter generation in the query's account and range, filtered. */
export function whereClause(q: BaseUsageQuery, gen: number, extra?: string): string {
  // Raw events read through an ad-hoc meter have no generations (rowsFrom).
  const parts = q.source
    ? [`time >= ${lit(q.from)}`, `time < ${lit(q.to)}`]
    : [
        `account_id = ${lit(q.accountId)}`,
        `meter_id = ${lit(q.meterId)}`,
        `gen = ${lit(gen)}`,
        `time >= ${lit(q.from)}`,
        `time < ${lit(q.to)}`,
      ];
  if (q.filter) parts.push(filterExpr(q.filter));
  if (extra) parts.push(extra);
  return parts.join(' AND ');
}

/** The table a query reads: meter rows, or the raw events through an ad-hoc meter. */
export function rowsFrom(
  q: Pick<BaseUsageQuery, 'accountId' | 'meterId' | 'from' | 'to' | 'source'>,
): string {
  return q.source ? eventRowsRelation(q.source, q) : 'meter_rows';
}

/** `<col> AS k0, ...` for the SELECT list. */
export function keySelect(groupBy: readonly DimRef[]): string[] {
  return groupBy.map((d, i) => `${dimColumn(d)} AS k${i}`);
}

/** `k0, ...` for GROUP BY and outer SELECTs. */
export function keyNames(groupBy: readonly DimRef[]): string[] {
  return groupBy.map((_, i) => `k${i}`);
}
