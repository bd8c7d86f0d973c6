// Golden SQL of the group-key set predicate (group-by tails) in DuckDB, and its truth table run on
// DuckDB itself: a NULL dimension matches a NULL key, fails a string key, and never makes it NULL.
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery, DimRef, FilterNode } from '../../query/planned-query.js';
import { compileNumeric, dimColumn, filterExpr } from './compile-usage.js';

const S: DimRef = { kind: 'subject' };
const G1: DimRef = { kind: 'dim', slot: 1 };

function node(op: 'keys' | 'notKeys', dims: DimRef[], keys: (string | null)[][]): FilterNode {
  return { op, dims, keys };
}

describe('embedded SQL: group-key sets (golden)', () => {
  it('one dimension: an IN list, with the NULL key stated apart', () => {
    expect(filterExpr(node('notKeys', [G1], [['a'], ["o'k"]]))).toBe(
      "(g1 IS NULL OR g1 NOT IN ('a', 'o''k'))",
    );
    expect(filterExpr(node('notKeys', [G1], [['a'], [null]]))).toBe(
      "(g1 IS NOT NULL AND g1 NOT IN ('a'))",
    );
    expect(filterExpr(node('notKeys', [G1], [[null]]))).toBe('g1 IS NOT NULL');
    expect(filterExpr(node('keys', [G1], [['a'], ['b']]))).toBe(
      "(g1 IS NOT NULL AND g1 IN ('a', 'b'))",
    );
    expect(filterExpr(node('keys', [G1], [[null], ['b']]))).toBe("(g1 IS NULL OR g1 IN ('b'))");
    expect(filterExpr(node('keys', [G1], [[null]]))).toBe('g1 IS NULL');
    expect(filterExpr(node('keys', [G1], []))).toBe('FALSE');
    expect(filterExpr(node('notKeys', [G1], []))).toBe('TRUE');
  });

  it('several dimensions: one arm per key tuple', () => {
    expect(
      filterExpr(
        node(
          'notKeys',
          [S, G1],
          [
            ['s1', null],
            ['s2', 'x'],
          ],
        ),
      ),
    ).toBe(
      "NOT (((subject IS NOT NULL AND subject = 's1') AND g1 IS NULL) OR ((subject IS NOT NULL AND subject = 's2') AND (g1 IS NOT NULL AND g1 = 'x')))",
    );
    expect(filterExpr(node('keys', [S, G1], [['s1', 'y']]))).toBe(
      "(((subject IS NOT NULL AND subject = 's1') AND (g1 IS NOT NULL AND g1 = 'y')))",
    );
  });

  it('refuses a key of the wrong arity', () => {
    expect(() => filterExpr(node('keys', [S, G1], [['s1']]))).toThrow(/arity/);
  });

  it('in a whole query: the "other" group of a grouped numeric query', () => {
    const q: BaseUsageQuery = {
      accountId: 'acc',
      meterId: 'm1',
      from: 1000,
      to: 2000,
      bucket: { kind: 'all' },
      groupBy: [],
      filter: {
        op: 'and',
        children: [{ op: 'eq', dim: G1, value: 'v' }, node('notKeys', [S], [['s1'], [null]])],
      },
    };
    expect(compileNumeric(q)).toBe(
      "SELECT 0 AS w, count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 AND (g1 = 'v' AND (subject IS NOT NULL AND subject NOT IN ('s1'))) GROUP BY w",
    );
  });

  it('is true or false for every row, NULLs included (run on DuckDB)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const rows: [string | null, string | null][] = [
        ['s1', null],
        ['s1', 'x'],
        ['s2', 'x'],
        [null, null],
        ['s2', ''],
        [null, 'x'],
      ];
      const values = rows
        .map(([a, b]) => `(${a === null ? 'NULL' : `'${a}'`}, ${b === null ? 'NULL' : `'${b}'`})`)
        .join(', ');
      const keys: (string | null)[][] = [
        ['s1', null],
        [null, null],
        ['s2', 'x'],
      ];
      const cases: [FilterNode, boolean[]][] = [
        [node('keys', [S, G1], keys), [true, false, true, true, false, false]],
        [node('notKeys', [S, G1], keys), [false, true, false, false, true, true]],
        [node('notKeys', [G1], [['x']]), [true, false, false, true, true, false]],
        [node('notKeys', [G1], [['x'], [null]]), [false, false, false, false, true, false]],
        [node('keys', [S], [[null]]), [false, false, false, true, false, true]],
      ];
      for (const [n, want] of cases) {
        const sql = `SELECT ${filterExpr(n)} AS m FROM (VALUES ${values}) AS t(${dimColumn(S)}, ${dimColumn(G1)})`;
        const got = (await (await conn.runAndReadAll(sql)).getRowObjects()).map((r) => r.m);
        expect(got, sql).toEqual(want);
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
