// Golden SQL of the group-key set predicate (group-by tails) for ClickHouse: isNull/isNotNull and
// equality on ifNull(col, ''), no tuples, so it means the same on 18.16 and current releases. Its
// behaviour on real servers is checked by test/clickhouse/group-tails.test.ts.
import { query } from 'chdb';
import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery, DimRef, FilterNode } from '../../../query/planned-query.js';
import { lit } from '../quote.js';
import { aggregateUniqueSql } from './aggregate-unique.js';
import { filterExpr } from './common.js';

const S: DimRef = { kind: 'subject' };
const G1: DimRef = { kind: 'dim', slot: 1 };

function node(op: 'keys' | 'notKeys', dims: DimRef[], keys: (string | null)[][]): FilterNode {
  return { op, dims, keys };
}

describe('ClickHouse SQL golden: group-key sets', () => {
  it('one dimension: an IN list on ifNull, the NULL key stated apart', () => {
    expect(filterExpr(node('notKeys', [G1], [['a'], ["o'k\\"]]))).toBe(
      "(isNull(g1) OR ifNull(g1, '') NOT IN ('a', 'o\\'k\\\\'))",
    );
    expect(filterExpr(node('notKeys', [G1], [['a'], [null]]))).toBe(
      "(isNotNull(g1) AND ifNull(g1, '') NOT IN ('a'))",
    );
    expect(filterExpr(node('notKeys', [G1], [[null]]))).toBe('isNotNull(g1)');
    expect(filterExpr(node('keys', [G1], [['a'], ['b']]))).toBe(
      "(isNotNull(g1) AND ifNull(g1, '') IN ('a', 'b'))",
    );
    expect(filterExpr(node('keys', [G1], [[null], ['b']]))).toBe(
      "(isNull(g1) OR ifNull(g1, '') IN ('b'))",
    );
    expect(filterExpr(node('keys', [G1], [[null]]))).toBe('isNull(g1)');
    expect(filterExpr(node('keys', [G1], []))).toBe('0');
    expect(filterExpr(node('notKeys', [G1], []))).toBe('1');
  });

  it('several dimensions: one arm per key tuple', () => {
    expect(
      filterExpr(
        node(
          'notKeys',
          [S, G1],
          [
            ['s1', null],
            ['s2', ''],
          ],
        ),
      ),
    ).toBe(
      "NOT (((isNotNull(subject) AND ifNull(subject, '') = 's1') AND isNull(g1)) OR ((isNotNull(subject) AND ifNull(subject, '') = 's2') AND (isNotNull(g1) AND ifNull(g1, '') = '')))",
    );
    expect(filterExpr(node('keys', [S, G1], [['s1', 'y']]))).toBe(
      "(((isNotNull(subject) AND ifNull(subject, '') = 's1') AND (isNotNull(g1) AND ifNull(g1, '') = 'y')))",
    );
  });

  it('refuses a key of the wrong arity', () => {
    expect(() => filterExpr(node('notKeys', [S, G1], [['s1', null, 'x']]))).toThrow(/arity/);
  });

  it('in a whole query: the "other" group of a distinct count', () => {
    const q: BaseUsageQuery = {
      accountId: 'acc',
      meterId: 'm1',
      from: 1000,
      to: 2000,
      bucket: { kind: 'all' },
      groupBy: [],
      filter: node('notKeys', [G1], [['a']]),
    };
    expect(aggregateUniqueSql(q, 7)).toBe(
      "SELECT 0 AS w, uniqExact(value_text) AS u FROM meter_rows WHERE account_id = 'acc' AND meter_id = 'm1' AND gen = 7 AND time >= 1000 AND time < 2000 AND (isNull(g1) OR ifNull(g1, '') NOT IN ('a')) GROUP BY w",
    );
  });

  it('is 0 or 1 for every row, NULLs included (run on a current ClickHouse, chDB)', () => {
    const rows: [string | null, string | null][] = [
      ['s1', null],
      ['s1', 'x'],
      ['s2', 'x'],
      [null, null],
      ['s2', ''],
      [null, 'x'],
    ];
    const cell = (v: string | null) =>
      v === null ? 'CAST(NULL AS Nullable(String))' : `toNullable(${lit(v)})`;
    const table = rows
      .map(([a, b], i) => `SELECT ${i} AS i, ${cell(a)} AS subject, ${cell(b)} AS g1`)
      .join(' UNION ALL ');
    const keys: (string | null)[][] = [
      ['s1', null],
      [null, null],
      ['s2', 'x'],
    ];
    const cases: [FilterNode, number[]][] = [
      [node('keys', [S, G1], keys), [1, 0, 1, 1, 0, 0]],
      [node('notKeys', [S, G1], keys), [0, 1, 0, 0, 1, 1]],
      [node('notKeys', [G1], [['x']]), [1, 0, 0, 1, 1, 0]],
      [node('notKeys', [G1], [['x'], [null]]), [0, 0, 0, 0, 1, 0]],
      [node('keys', [S], [[null]]), [0, 0, 0, 1, 0, 1]],
    ];
    for (const [n, want] of cases) {
      const sql = `SELECT ${filterExpr(n)} AS m FROM (${table}) ORDER BY i`;
      const got = query(sql, 'JSONEachRow')
        .split('\n')
        .filter((l) => l.length > 0)
        // A NULL would stay null here, and fail the comparison.
        .map((l) => (JSON.parse(l) as { m: number | null }).m);
      expect(got, sql).toEqual(want);
    }
  });
});
