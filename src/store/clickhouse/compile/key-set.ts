// The group-key set predicate (FilterNode `keys` / `notKeys`) as ClickHouse SQL that runs on 18.16:
// isNull/isNotNull and plain equality on ifNull(col, ''), no tuple comparisons (tuples holding NULL
// compare differently across versions). Every part is a non-Nullable 0 or 1: a NULL dimension is a
// group value of its own, matching a NULL key and failing a string key, and never makes the
// predicate NULL (which NOT would keep NULL, dropping the rows of a missing dimension from "other").
import type { DimRef, FilterNode } from '../../../query/planned-query.js';
import { lit, litList } from '../quote.js';

type KeySetNode = Extract<FilterNode, { op: 'keys' | 'notKeys' }>;

/** Equality on the non-Nullable ifNull(col, ''); isNotNull tells a real '' from a missing value. */
function matches(col: string, value: string | null): string {
  return value === null
    ? `isNull(${col})`
    : `(isNotNull(${col}) AND ifNull(${col}, '') = ${lit(value)})`;
}

/** `column` is the compiler's one map from dimension to column (a closed set). */
export function keySetSql(node: KeySetNode, column: (dim: DimRef) => string): string {
  const except = node.op === 'notKeys';
  const [first, ...more] = node.dims;
  if (!first) throw new Error('a group-key set needs at least one dimension');
  for (const key of node.keys) {
    if (key.length !== node.dims.length) throw new Error('a group key has the wrong arity');
  }
  if (node.keys.length === 0) return except ? '1' : '0';
  if (more.length === 0) {
    // One dimension: an IN list (a hashed set) instead of one OR arm per key.
    const col = column(first);
    const values = [...new Set(node.keys.map((k) => k[0] ?? null))];
    const strings = values.filter((v): v is string => v !== null);
    const withNull = strings.length < values.length;
    if (strings.length === 0) return except ? `isNotNull(${col})` : `isNull(${col})`;
    const list = `ifNull(${col}, '') ${except ? 'NOT IN' : 'IN'} (${litList(strings)})`;
    if (except) {
      return withNull ? `(isNotNull(${col}) AND ${list})` : `(isNull(${col}) OR ${list})`;
    }
    return withNull ? `(isNull(${col}) OR ${list})` : `(isNotNull(${col}) AND ${list})`;
  }
  const cols = node.dims.map(column);
  const arms = node.keys.map(
    (key) => `(${cols.map((col, i) => matches(col, key[i] ?? null)).join(' AND ')})`,
  );
  const any = `(${arms.join(' OR ')})`;
  return except ? `NOT ${any}` : any;
}
