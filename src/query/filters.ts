import type { Issue } from '../errors/domain-errors.js';
import type { DimRef, FilterNode } from './planned-query.js';
import type { FilterString } from './usage-query.js';

const COMPARISONS = [
  ['$eq', 'eq'],
  ['$ne', 'ne'],
  ['$like', 'like'],
  ['$nlike', 'nlike'],
  ['$ilike', 'ilike'],
  ['$nilike', 'nilike'],
  ['$gt', 'gt'],
  ['$gte', 'gte'],
  ['$lt', 'lt'],
  ['$lte', 'lte'],
] as const;

/** Turns an OpenMeter FilterString on one dimension into a filter tree (operators are ANDed). */
export function filterStringToNode(
  f: FilterString,
  dim: DimRef,
  path: string,
  issues: Issue[],
): FilterNode {
  const children: FilterNode[] = [];
  for (const [key, op] of COMPARISONS) {
    const v = f[key];
    if (v !== undefined && v !== null) children.push({ op, dim, value: v });
  }
  if (f.$in) children.push({ op: 'in', dim, values: f.$in });
  if (f.$nin) children.push({ op: 'nin', dim, values: f.$nin });
  if (f.$and) {
    children.push({
      op: 'and',
      children: f.$and.map((g, i) => filterStringToNode(g, dim, `${path}.$and[${i}]`, issues)),
    });
  }
  if (f.$or) {
    children.push({
      op: 'or',
      children: f.$or.map((g, i) => filterStringToNode(g, dim, `${path}.$or[${i}]`, issues)),
    });
  }
  const known = new Set<string>([...COMPARISONS.map(([k]) => k), '$in', '$nin', '$and', '$or']);
  for (const key of Object.keys(f)) {
    if (!known.has(key))
      issues.push({ path: `${path}.${key}`, message: 'unknown filter operator' });
  }
  if (children.length === 0) issues.push({ path, message: 'filter has no operator' });
  return children.length === 1 ? (children[0] as FilterNode) : { op: 'and', children };
}
