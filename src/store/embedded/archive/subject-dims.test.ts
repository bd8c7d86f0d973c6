import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupEstimateQuery } from '../../../query/planned-query.js';
import { readRows } from '../row-decoding.js';
import { MIGRATIONS } from '../schema.js';
import { lit } from '../sql-quote.js';
import { subjectBucket } from '../subject-bucket.js';
import {
  compileSlotsWithValues,
  compileSubjectBound,
  compileSubjectDimsFill,
  compileSubjectDimsRetire,
  SELECT_MONTHS_WITHOUT_DIMS,
} from './subject-dims.js';

const JAN = Date.UTC(2025, 0, 1);
const FEB = Date.UTC(2025, 1, 1);
const DAY = 86_400_000;

const q: GroupEstimateQuery = {
  accountId: 'acc',
  meterId: 'm1',
  from: JAN + 10 * DAY,
  to: FEB + 5 * DAY,
  groupBy: [
    { kind: 'dim', slot: 0 },
    { kind: 'dim', slot: 2 },
  ],
  filter: { op: 'in', dim: { kind: 'subject' }, values: ['one', 'two'] },
};

describe('subject dimension counts: SQL', () => {
  it('bounds per subject and month from the counts, plus an estimate of the hot rows', () => {
    expect(compileSubjectBound(q, ['one', 'two'])).toBe(
      `WITH months AS (SELECT a.month, a.rows_gen, f.month IS NOT NULL AS done FROM archive_months a LEFT JOIN archive_subject_dims_files f ON f.month = a.month AND f.rows_gen = a.rows_gen WHERE a.month < ${q.to} AND a.month > ${q.from - 31 * DAY}) SELECT (SELECT count(*) FILTER (WHERE NOT done) FROM months) AS missing, (SELECT coalesce(sum(CAST(n0 AS DOUBLE) * CAST(n2 AS DOUBLE)), 0) FROM archive_subject_dims d JOIN months m ON d.month = m.month AND d.rows_gen = m.rows_gen WHERE d.account_id = 'acc' AND d.meter_id = 'm1' AND d.subject IN ('one', 'two')) AS archived, (SELECT approx_count_distinct(hash(g0, g2)) FROM meter_rows_hot WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= ${q.from} AND time < ${q.to} AND sb IN (${[subjectBucket('one'), subjectBucket('two')].sort((a, b) => a - b).join(', ')}) AND subject IN ('one', 'two')) AS hot`,
    );
  });

  it('counts only the slots a file fills, and retires earlier generations of the month', () => {
    const [insert, marker] = compileSubjectDimsFill("/a/it's.parquet", FEB, 3, [0, 2]);
    expect(insert).toMatch(
      /^INSERT INTO archive_subject_dims SELECT \d+, 3, account_id, meter_id, subject, CAST\(count\(DISTINCT g0\) \+ CAST\(count\(\*\) > count\(g0\) AS INTEGER\) AS INTEGER\), 1, CAST\(count\(DISTINCT g2\)/,
    );
    expect(insert).toContain("FROM read_parquet('/a/it''s.parquet') GROUP BY");
    expect(marker).toBe(`INSERT INTO archive_subject_dims_files VALUES (${FEB}, 3)`);
    expect(compileSubjectDimsRetire(FEB, 3)).toEqual([
      `DELETE FROM archive_subject_dims WHERE month = ${FEB} AND rows_gen < 3`,
      `DELETE FROM archive_subject_dims_files WHERE month = ${FEB} AND rows_gen < 3`,
    ]);
  });
});

describe('subject dimension counts: in DuckDB', () => {
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  const dir = mkdtempSync(join(tmpdir(), 'tally-subject-dims-'));
  const janFile = join(dir, 'jan.parquet');

  // January: "one" has g0 in {a, b, NULL} and g2 in {x}; "two" has g0 {a} and g2 {x, y, z}.
  // February is listed in the manifest, but its file was never counted.
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
    for (const sql of MIGRATIONS) await conn.run(sql);
    const rows: [string, string | null, string][] = [
      ['one', 'a', 'x'],
      ['one', 'b', 'x'],
      ['one', null, 'x'],
      ['one', 'a', 'x'],
      ['two', 'a', 'x'],
      ['two', 'a', 'y'],
      ['two', 'a', 'z'],
    ];
    const values = rows
      .map(
        ([s, g0, g2], i) =>
          `('m1', 'acc', ${JAN + (i + 12) * DAY}, ${lit(s)}, 1, NULL, ${lit(g0)}, NULL, ${lit(g2)})`,
      )
      .join(', ');
    await conn.run(
      `COPY (SELECT * FROM (VALUES ${values}) AS t(meter_id, account_id, time, subject, value, value_text, g0, g1, g2)) TO ${lit(janFile)} (FORMAT parquet)`,
    );
    // Rows still hot: one of February for "one" (a new g0 value).
    await conn.run(
      `INSERT INTO meter_rows_hot (meter_id, account_id, time, subject, value, g0, g2, sb) VALUES ('m1', 'acc', ${FEB + DAY}, 'one', 1, 'c', 'x', ${subjectBucket('one')})`,
    );
    await conn.run(`INSERT INTO archive_months VALUES (${JAN}, 1, 7, 1, 7), (${FEB}, 1, 0, 1, 0)`);
  });

  afterAll(() => {
    conn.closeSync();
    db.closeSync();
  });

  it('finds the filled slots in the footer and counts distinct values per subject, NULL as one', async () => {
    const slots = (await readRows(conn, compileSlotsWithValues(janFile))).map((r) => String(r.col));
    expect(slots.sort()).toEqual(['g0', 'g2']);
    for (const sql of compileSubjectDimsFill(janFile, JAN, 1, [0, 2])) await conn.run(sql);
    const counts = await readRows(
      conn,
      'SELECT subject, n0, n1, n2, n15 FROM archive_subject_dims ORDER BY subject',
    );
    expect(counts.map((r) => [r.subject, r.n0, r.n1, r.n2, r.n15])).toEqual([
      ['one', 3, 1, 1, 1],
      ['two', 1, 1, 3, 1],
    ]);
  });

  it('reports a month in range without counts, and bounds once every month has them', async () => {
    const bound = async () => (await readRows(conn, compileSubjectBound(q, ['one', 'two'])))[0];
    expect((await readRows(conn, SELECT_MONTHS_WITHOUT_DIMS)).map((r) => Number(r.month))).toEqual([
      FEB,
    ]);
    expect(Number((await bound())?.missing)).toBe(1);

    // February's file is empty of these subjects: counted, it adds nothing.
    await conn.run(`INSERT INTO archive_subject_dims_files VALUES (${FEB}, 1)`);
    const b = await bound();
    expect(Number(b?.missing)).toBe(0);
    // January: one 3 x 1, two 1 x 3; hot: one (c, x).
    expect(Number(b?.archived)).toBe(6);
    expect(Number(b?.hot)).toBe(1);

    // A range that ends before January's rows, and a subject with no rows, bound to nothing.
    const none = await readRows(conn, compileSubjectBound({ ...q, to: JAN }, ['nobody']));
    expect([Number(none[0]?.missing), Number(none[0]?.archived), Number(none[0]?.hot)]).toEqual([
      0, 0, 0,
    ]);
  });

  it('reads only the current generation of a month', async () => {
    await conn.run(`UPDATE archive_months SET rows_gen = 2 WHERE month = ${JAN}`);
    const stale = await readRows(conn, compileSubjectBound(q, ['one']));
    expect(Number(stale[0]?.missing)).toBe(1);
    for (const sql of [
      ...compileSubjectDimsRetire(JAN, 2),
      ...compileSubjectDimsFill(janFile, JAN, 2, [0, 2]),
    ]) {
      await conn.run(sql);
    }
    const gens = await readRows(conn, `SELECT DISTINCT rows_gen FROM archive_subject_dims`);
    expect(gens.map((r) => Number(r.rows_gen))).toEqual([2]);
    const b = await readRows(conn, compileSubjectBound(q, ['one']));
    expect(Number(b[0]?.archived)).toBe(3);
  });
});
