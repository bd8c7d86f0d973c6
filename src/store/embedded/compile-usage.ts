// Pure compilers from planned usage queries to DuckDB SQL. Golden tests pin their output.
// Identifiers come only from `dimColumn` (a closed set); every value goes through `lit`.

import { MAX_DIMENSIONS } from '../../meter/meter-definition.js';
import type {
  BaseUsageQuery,
  Bucketing,
  DimRef,
  DistinctValuesQuery,
  FilterNode,
  GroupEstimateQuery,
} from '../../query/planned-query.js';
import { eventRowsRelation } from './compile-event-source.js';
import { keySetExpr } from './compile-key-set.js';
import { lit, litList } from './sql-quote.js';
import { subjectBucket } from './subject-bucket.js';

const DAY_MS = 86_400_000;

export function dimColumn(dim: DimRef): string {
  if (dim.kind === 'subject') return 'subject';
  if (dim.kind === 'customer') return customerColumn(dim.attribution);
  if (!Number.isInteger(dim.slot) || dim.slot < 0 || dim.slot >= MAX_DIMENSIONS) {
    throw new Error(`dimension slot out of range: ${dim.slot}`);
  }
  return `g${dim.slot}`;
}

/**
 * The subject's customer: a CASE over the closed list of attributed subjects (values through
 * `lit`), NULL for a subject of no customer. Rows are grouped by it in SQL, so every aggregation
 * (distinct counts, averages, latest values) is exact per customer.
 */
function customerColumn(attribution: readonly (readonly [string, string])[]): string {
  if (attribution.length === 0) return 'CAST(NULL AS VARCHAR)';
  return `(CASE subject ${attribution.map(([s, c]) => `WHEN ${lit(s)} THEN ${lit(c)}`).join(' ')} END)`;
}

/** SQL for the window index of column `time` under `bucket`. */
export function windowExpr(bucket: Bucketing): string {
  switch (bucket.kind) {
    case 'all':
      return '0';
    case 'uniform':
      return `((time - ${lit(bucket.origin)}) // ${lit(bucket.width)})`;
    case 'calendar': {
      const [first, ...rest] = bucket.offsets;
      const offset =
        rest.length === 0
          ? lit(first?.offsetMs ?? 0)
          : `CASE ${rest
              .reverse()
              .map((s) => `WHEN time >= ${lit(s.from)} THEN ${lit(s.offsetMs)}`)
              .join(' ')} ELSE ${lit(first?.offsetMs ?? 0)} END`;
      return `([${litList(bucket.dayToWindow)}])[((time + ${offset}) // ${DAY_MS}) - ${lit(bucket.baseDay)} + 1]`;
    }
  }
}

const COMPARE: Record<string, string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'LIKE',
  nlike: 'NOT LIKE',
  ilike: 'ILIKE',
  nilike: 'NOT ILIKE',
};

export function filterExpr(node: FilterNode): string {
  switch (node.op) {
    case 'and':
    case 'or': {
      if (node.children.length === 0) return node.op === 'and' ? 'TRUE' : 'FALSE';
      return `(${node.children.map(filterExpr).join(node.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'in':
      return node.values.length === 0
        ? 'FALSE'
        : `${dimColumn(node.dim)} IN (${litList(node.values)})`;
    case 'nin':
      return node.values.length === 0
        ? 'TRUE'
        : `${dimColumn(node.dim)} NOT IN (${litList(node.values)})`;
    case 'keys':
    case 'notKeys':
      return keySetExpr(node, dimColumn);
    default: {
      const op = COMPARE[node.op];
      if (!op) throw new Error(`unknown filter operator ${node.op}`);
      return `${dimColumn(node.dim)} ${op} ${lit(node.value)}`;
    }
  }
}

/** Subjects every matching row must have, when the filter says so (an eq/in on a conjunction path). */
export function requiredSubjects(node: FilterNode | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.op === 'eq' && node.dim.kind === 'subject') return [node.value];
  if (node.op === 'in' && node.dim.kind === 'subject') return node.values;
  if (node.op === 'and') {
    for (const child of node.children) {
      const found = requiredSubjects(child);
      if (found) return found;
    }
  }
  return undefined;
}

/** Most subjects a query's SQL names in an inlined list to narrow its rows (more: not narrowed). */
const MAX_INLINED_SUBJECTS = 64;

/** Whether a query confined to `subjects` may name them in its SQL to narrow its rows. */
export function inlinable(subjects: readonly string[] | undefined): subjects is readonly string[] {
  return subjects !== undefined && subjects.length > 0 && subjects.length <= MAX_INLINED_SUBJECTS;
}

/**
 * The subject buckets of the subjects a query is confined to: implied by the subject filter, but
 * stated on `sb` so that DuckDB can skip row groups of other subjects (subject-bucket.ts).
 */
export function bucketFilter(subjects: readonly string[] | undefined): string | undefined {
  if (!inlinable(subjects)) return undefined;
  const buckets = [...new Set(subjects.map(subjectBucket))].sort((a, b) => a - b);
  return `sb IN (${litList(buckets)})`;
}

/** The rows of one meter, account and time range that pass the query's filter (a WHERE body). */
export function meterRowsWhere(q: GroupEstimateQuery, extra?: string): string {
  const parts = [
    `meter_id = ${lit(q.meterId)}`,
    `account_id = ${lit(q.accountId)}`,
    `time >= ${lit(q.from)}`,
    `time < ${lit(q.to)}`,
  ];
  // Raw events have no subject bucket column (and are not sorted by it).
  const buckets = q.source ? undefined : bucketFilter(requiredSubjects(q.filter));
  if (buckets) parts.push(buckets);
  if (q.filter) parts.push(filterExpr(q.filter));
  if (extra) parts.push(extra);
  return parts.join(' AND ');
}

/** The table a query reads: meter rows, or the raw events through an ad-hoc meter. */
export function rowsFrom(q: GroupEstimateQuery): string {
  return q.source ? eventRowsRelation(q.source, q) : 'meter_rows';
}

function keyColumns(q: BaseUsageQuery): string[] {
  return q.groupBy.map((d, i) => `${dimColumn(d)} AS k${i}`);
}

function keyNames(q: BaseUsageQuery): string[] {
  return q.groupBy.map((_, i) => `k${i}`);
}

export function compileNumeric(q: BaseUsageQuery): string {
  const keys = keyNames(q);
  const latest = q.latest
    ? ', max(struct_pack(t := time, v := value)) FILTER (WHERE value IS NOT NULL) AS lt'
    : '';
  const inner = `SELECT ${[`${windowExpr(q.bucket)} AS w`, ...keyColumns(q)].join(', ')}, count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx${latest} FROM ${rowsFrom(q)} WHERE ${meterRowsWhere(q)} GROUP BY ${['w', ...keys].join(', ')}`;
  if (!q.latest) return inner;
  return `SELECT ${['w', ...keys].join(', ')}, c, s, mn, mx, lt.t AS lt_time, lt.v AS lt_value FROM (${inner})`;
}

/**
 * The unique reads take `rows`, the relation they read, when it is not the query's own (the
 * daily distinct values, rollup/compile-distinct-read.ts): it has meter_rows' column names.
 */
export function compileUnique(q: BaseUsageQuery, rows = rowsFrom(q)): string {
  const keys = keyNames(q);
  return `SELECT ${[`${windowExpr(q.bucket)} AS w`, ...keyColumns(q)].join(', ')}, count(DISTINCT value_text) AS u FROM ${rows} WHERE ${meterRowsWhere(q)} GROUP BY ${['w', ...keys].join(', ')}`;
}

export function compileFirstSeen(q: BaseUsageQuery, period: Bucketing, rows = rowsFrom(q)): string {
  const keys = keyNames(q);
  const inner = `SELECT ${[`${windowExpr(period)} AS p`, ...keyColumns(q)].join(', ')}, value_text, min(${windowExpr(q.bucket)}) AS w FROM ${rows} WHERE ${meterRowsWhere(q, 'value_text IS NOT NULL')} GROUP BY ${['p', ...keys, 'value_text'].join(', ')}`;
  return `SELECT ${['p', 'w', ...keys].join(', ')}, count(*) AS c FROM (${inner}) GROUP BY ${['p', 'w', ...keys].join(', ')}`;
}

export function compileCoverage(q: BaseUsageQuery, span: number, rows = rowsFrom(q)): string {
  const keys = keyNames(q);
  const partition = [...keys, 'value_text'].join(', ');
  const distinct = `SELECT DISTINCT ${[`${windowExpr(q.bucket)} AS w`, ...keyColumns(q)].join(', ')}, value_text FROM ${rows} WHERE ${meterRowsWhere(q, 'value_text IS NOT NULL')}`;
  const spans = `SELECT ${['w AS s', ...keys].join(', ')}, least(coalesce(lead(w) OVER (PARTITION BY ${partition} ORDER BY w), w + ${lit(span)}), w + ${lit(span)}) AS e FROM (${distinct})`;
  return `SELECT ${['s', 'e', ...keys].join(', ')}, count(*) AS c FROM (${spans}) GROUP BY ${['s', 'e', ...keys].join(', ')}`;
}

export function compileDistinctValues(q: DistinctValuesQuery): string {
  const col = dimColumn(q.dim);
  return `SELECT DISTINCT ${col} AS v FROM meter_rows WHERE meter_id = ${lit(q.meterId)} AND account_id = ${lit(q.accountId)} AND time >= ${lit(q.from)} AND time < ${lit(q.to)} AND ${col} IS NOT NULL${q.subject === undefined ? '' : ` AND ${bucketFilter([q.subject])} AND subject = ${lit(q.subject)}`} ORDER BY v LIMIT ${lit(q.limit)}`;
}
