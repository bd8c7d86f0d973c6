// Group-by tails: a grouped query with a `limit` answers its top N groups as usual plus one
// "other" group holding every remaining group. Three store queries, each an ordinary usage query:
//  1. rank: every group's value over [from, to) with the meter's own aggregation, one window;
//  2. top: the query itself, confined to the top N keys (a `keys` filter: the cell budget and
//     the store's work are those of N groups, not of all of them);
//  3. other: the query without groupBy, confined to the rows of no top key (`notKeys`). A real
//     query rather than a sum of the tail groups, because distinct counts, averages, minima,
//     maxima and latest values of a union cannot be derived from its parts' results.
// With N or fewer groups the query is answered as it is, without an "other" row.
import type { GroupKeySet, UsageQuery, UsageResult, UsageRow } from './usage-query.js';

type Key = (string | null)[];

/** A row's value of one group-by name: its subject, a dimension, or else its customer. */
function keyValue(row: UsageRow, name: string): string | null {
  if (name === 'subject') return row.subject;
  if (Object.hasOwn(row.groupBy, name)) return row.groupBy[name] ?? null;
  return row.customerId ?? null;
}

/** The "other" row: the group-by fields a row of `like` has, every one null. */
function otherRow(r: UsageRow, like: UsageRow): UsageRow {
  const groupBy = Object.fromEntries(Object.keys(like.groupBy).map((n) => [n, null]));
  const row: UsageRow = { ...r, subject: null, groupBy, other: true };
  if (like.customerId !== undefined) row.customerId = null;
  return row;
}

/** Key order for ties: element by element, a missing value (null) first, then by code units. */
export function compareGroupKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The first `limit` keys by value (greatest first), ties by key; all keys when `limit` covers them. */
export function topKeys(rows: readonly UsageRow[], names: readonly string[], limit: number): Key[] {
  return rows
    .map((r) => ({ key: names.map((n) => keyValue(r, n)), value: r.value }))
    .sort((a, b) => b.value - a.value || compareGroupKeys(a.key, b.key))
    .slice(0, limit)
    .map((r) => r.key);
}

function withoutLimit(q: UsageQuery): UsageQuery {
  const { limit: _limit, ...rest } = q;
  return rest;
}

/** `q` (which has a limit and a groupBy) through `run`, which answers queries without a limit. */
export async function queryGroupTails(
  run: (q: UsageQuery) => Promise<UsageResult>,
  q: UsageQuery & { limit: number },
): Promise<UsageResult> {
  const plain = withoutLimit(q);
  const { windowSize: _w, autoWindow: _a, ...unwindowed } = plain;
  const rank = await run({ ...unwindowed, mode: { kind: 'incremental' }, fillZero: false });
  if (rank.rows.length <= q.limit) return run(plain);
  const keys = topKeys(rank.rows, q.groupBy, q.limit);
  const set = (except: boolean): GroupKeySet => ({ dimensions: q.groupBy, keys, except });
  const top = await run({ ...plain, keySet: set(false) });
  const rest = await run({ ...plain, groupBy: [], keySet: set(true) });
  const like = rank.rows[0] as UsageRow;
  const other = rest.rows.map((r) => otherRow(r, like));
  // Each window: the top groups in key order (as without a limit), then "other". The sort is stable.
  const rows = [...top.rows, ...other].sort((a, b) => a.windowStart - b.windowStart);
  return { ...top, rows };
}
