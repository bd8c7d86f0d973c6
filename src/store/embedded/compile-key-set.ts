// The group-key set predicate (FilterNode `keys` / `notKeys`) as DuckDB SQL. Every part is true or
// false, never NULL: a NULL dimension is a group value of its own, so it must match a NULL key and
// fail a string key without turning the whole predicate NULL (which NOT would keep NULL, and WHERE
// would drop: the "other" group would lose the rows of a missing dimension).
import type { DimRef, FilterNode } from '../../query/planned-query.js';
import { lit, litList } from './sql-quote.js';

type KeySetNode = Extract<FilterNode, { op: 'keys' | 'notKeys' }>;

function matches(col: string, value: string | null): string {
  return value === null ? `${col} IS NULL` : `(${col} IS NOT NULL AND ${col} = ${lit(value)})`;
}

/** `column` is the compiler's one map from dimension to column (a closed set). */
export function keySetExpr(node: KeySetNode, column: (dim: DimRef) => string): string {
  const except = node.op === 'notKeys';
  const [first, ...more] = node.dims;
  if (!first) throw new Error('a group-key set needs at least one dimension');
  for (const key of node.keys) {
    if (key.length !== node.dims.length) throw new Error('a group key has the wrong arity');
  }
  if (node.keys.length === 0) return except ? 'TRUE' : 'FALSE';
  if (more.length === 0) {
    // One dimension: an IN list (hashed) instead of one OR arm per key.
    const col = column(first);
    const values = [...new Set(node.keys.map((k) => k[0] ?? null))];
    const strings = values.filter((v): v is string => v !== null);
    const withNull = strings.length < values.length;
    if (strings.length === 0) return except ? `${col} IS NOT NULL` : `${col} IS NULL`;
    const list = litList(strings);
    if (except) {
      return withNull
        ? `(${col} IS NOT NULL AND ${col} NOT IN (${list}))`
        : `(${col} IS NULL OR ${col} NOT IN (${list}))`;
    }
    return withNull
      ? `(${col} IS NULL OR ${col} IN (${list}))`
      : `(${col} IS NOT NULL AND ${col} IN (${list}))`;
  }
  const cols = node.dims.map(column);
  const arms = node.keys.map(
    (key) => `(${cols.map((col, i) => matches(col, key[i] ?? null)).join(' AND ')})`,
  );
  const any = `(${arms.join(' OR ')})`;
  return except ? `NOT ${any}` : any;
}
