// rollup_15m must answer every query it serves with exactly the rows meter_rows gives: same
// columns, same types, same values. Random rows (NULL values and dimensions, negative values,
// equal times for LATEST ties, instants on local midnights and offset changes, many subjects) are
// folded in several batches, as the store folds (in JS) or by the SQL reference, with and without
// merges; random servable queries in zones with 30- and 45-minute offsets and DST changes then run
// both ways on one real DuckDB. Queries naming the subject are refused (the rollup keeps none).
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { offsetChanges, parseZone } from '../../src/lib/time/zone.js';
import type { BaseUsageQuery, DimRef, FilterNode } from '../../src/query/planned-query.js';
import type { WindowSize } from '../../src/query/usage-query.js';
import { bucketingFor, enumerateWindows } from '../../src/query/windows.js';
import { compileEstimateGroups } from '../../src/store/embedded/compile-estimate.js';
import { compileNumeric } from '../../src/store/embedded/compile-usage.js';
import {
  compileEstimateGroupsFromRollup,
  compileNumericFromRollup,
} from '../../src/store/embedded/rollup/compile-rollup-read.js';
import {
  compileRollupDelete,
  compileRollupFold,
  compileRollupMerge,
  compileRollupRebuild,
} from '../../src/store/embedded/rollup/compile-rollup-write.js';
import { withMigratedDb } from '../../src/store/embedded/rollup/migrated-db.test-support.js';
import { appendRollupRows } from '../../src/store/embedded/rollup/rollup-append.js';
import { RollupFold } from '../../src/store/embedded/rollup/rollup-fold.js';
import {
  referencesSubject,
  rollupSlot,
  rollupSlotForRange,
} from '../../src/store/embedded/rollup/serves.js';
import { lit, litList } from '../../src/store/embedded/sql-quote.js';
import { subjectBucket } from '../../src/store/embedded/subject-bucket.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const QUARTER = 900_000;
const T0 = Date.UTC(2024, 2, 8);
const T1 = Date.UTC(2024, 3, 9);
const ACCOUNT = 'acc';
/** Meter id -> dimension count; rows of another account share the meter ids. */
const METERS = new Map([
  ['m3', 3],
  ['m1', 1],
  ['m0', 0],
]);
const SUBJECTS = ['alice', 'bob', "o'hara", 'carol%', 'dave_x', ''];
const DIM_VALUES = [
  ['a', 'b', null],
  ['x', 'y', 'z', null],
  ['p', "q'q", null],
] as const;
const PATTERNS = ['a%', '%o%', '_', 'x', "q'q", 'B%', 'carol%'];
/** +5:30, +5:45, -3:30 with DST (10 Mar), Berlin (DST 31 Mar), +10:30 with a 30-minute DST (7 Apr). */
const ZONES = [
  'UTC',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  '+05:45',
  '-03:30',
];
const SIZES: (WindowSize | 'ALL')[] = ['FIFTEEN_MINUTES', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'ALL'];

/** Local midnights of every zone on every day, offset changes, and the instants either side. */
const HOT_INSTANTS = (() => {
  const out = new Set<number>();
  for (const name of ZONES) {
    const zone = parseZone(name);
    if (!zone) throw new Error(name);
    for (let d = DateTime.fromMillis(T0, { zone }).startOf('day'); d.toMillis() < T1; ) {
      out.add(d.toMillis());
      d = d.plus({ days: 1 });
    }
    for (const c of offsetChanges(zone, T0, T1).slice(1)) out.add(c.at);
  }
  return [...out].flatMap((t) => [t - 1, t, t + 1]).sort((a, b) => a - b);
})();

interface Row {
  account: string;
  meter: string;
  subject: string;
  time: number;
  value: number | null;
  dims: (string | null)[];
}

type ValueArb = fc.Arbitrary<number | null>;

/**
 * Rows in groups at one instant: 1..4 rows of one key differing in value and fold only (ties for
 * LATEST, partials across folds), each group's key and instant random.
 */
function rowsArb(value: ValueArb): fc.Arbitrary<{ row: Row; fold: number }[]> {
  const time = fc.oneof(
    fc.integer({ min: T0 - 2 * HOUR, max: T1 + 2 * HOUR }),
    fc.constantFrom(...HOT_INSTANTS),
    // A busy two hours (around St John's DST change), so that folds share buckets and keys.
    fc.integer({ min: Date.UTC(2024, 2, 10, 4), max: Date.UTC(2024, 2, 10, 6) }),
  );
  const key = fc.record({
    account: fc.constantFrom(ACCOUNT, ACCOUNT, ACCOUNT, 'other'),
    meter: fc.constantFrom(...METERS.keys()),
    subject: fc.constantFrom(...SUBJECTS),
    dims: fc.tuple(...DIM_VALUES.map((vs) => fc.constantFrom(...vs))),
  });
  const copy = fc.record({ value, fold: fc.integer({ min: 0, max: 3 }) });
  return fc
    .array(fc.record({ time, key, copies: fc.array(copy, { minLength: 1, maxLength: 4 }) }), {
      minLength: 20,
      maxLength: 100,
    })
    .map((groups) =>
      groups.flatMap(({ time, key, copies }) =>
        copies.map(({ value, fold }) => ({
          fold,
          row: { ...key, time, value, dims: key.dims.slice(0, METERS.get(key.meter)) },
        })),
      ),
    );
}

/** Dyadic values: every partial sum is exact in a double, so any summation order agrees. */
const DYADIC: ValueArb = fc.option(
  fc.integer({ min: -4000, max: 4000 }).map((n) => n / 16),
  { freq: 4 },
);
/** Arbitrary doubles (no -0: min(-0, 0) is either, raw or not). */
const DOUBLES: ValueArb = fc.option(
  fc
    .double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
    .map((v) => (v === 0 ? 0 : v)),
  { freq: 4 },
);

type Placeholder = 'subject' | 'dim';

/** A filter over placeholders, resolved once the query's dimension is chosen. */
type FilterBuilder = (d: (p: Placeholder) => DimRef) => FilterNode;

function leafArb(): fc.Arbitrary<FilterBuilder> {
  const target = fc.constantFrom<Placeholder>('dim', 'dim', 'dim', 'dim', 'dim', 'subject');
  const value = fc.constantFrom(...SUBJECTS, ...DIM_VALUES.flat().filter((v) => v !== null));
  return fc.oneof(
    fc
      .record({
        op: fc.constantFrom<'eq' | 'ne' | 'gt' | 'lte'>('eq', 'ne', 'gt', 'lte'),
        target,
        value,
      })
      .map(
        ({ op, target, value }): FilterBuilder =>
          (d) => ({ op, dim: d(target), value }),
      ),
    fc
      .record({
        op: fc.constantFrom<'like' | 'nlike' | 'ilike'>('like', 'nlike', 'ilike'),
        target,
        value: fc.constantFrom(...PATTERNS),
      })
      .map(
        ({ op, target, value }): FilterBuilder =>
          (d) => ({ op, dim: d(target), value }),
      ),
    fc
      .record({
        op: fc.constantFrom<'in' | 'nin'>('in', 'nin'),
        target,
        values: fc.array(value, { maxLength: 3 }),
      })
      .map(
        ({ op, target, values }): FilterBuilder =>
          (d) => ({ op, dim: d(target), values }),
      ),
  );
}

const filterArb = fc.letrec<{ node: (d: (p: Placeholder) => DimRef) => FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb(),
    fc
      .record({
        op: fc.constantFrom<'and' | 'or'>('and', 'or'),
        children: fc.array(tie('node'), { maxLength: 3 }),
      })
      .map(({ op, children }) => (d: (p: Placeholder) => DimRef) => ({
        op,
        children: children.map((c) => c(d)),
      })),
  ),
})).node;

const queryArb = fc.record({
  meter: fc.constantFrom(...METERS.keys()),
  zone: fc.constantFrom(...ZONES),
  size: fc.constantFrom(...SIZES),
  fromQ: fc.integer({ min: 0, max: 34 * 96 }),
  lenQ: fc.integer({ min: 1, max: 34 * 96 }),
  slotSeed: fc.nat(),
  groupBy: fc.oneof(
    { weight: 4, arbitrary: fc.subarray<Placeholder>(['dim', 'dim']) },
    { weight: 1, arbitrary: fc.subarray<Placeholder>(['subject', 'dim']) },
  ),
  reverse: fc.boolean(),
  filter: fc.option(filterArb, { freq: 2 }),
  latest: fc.boolean(),
});

type GeneratedQuery = typeof queryArb extends fc.Arbitrary<infer T> ? T : never;

/** A planned query as the usage service hands it to the store, or undefined if none plans. */
function plan(g: GeneratedQuery): BaseUsageQuery | undefined {
  const dims = METERS.get(g.meter) ?? 0;
  const slot = g.slotSeed % Math.max(dims, 1);
  // A meter without dimensions: references to "the dimension" become the subject.
  const d = (p: Placeholder): DimRef =>
    p === 'dim' && dims > 0 ? { kind: 'dim', slot } : { kind: 'subject' };
  const from = T0 - DAY + g.fromQ * QUARTER;
  const to = from + g.lenQ * QUARTER;
  let bucket: BaseUsageQuery['bucket'] = { kind: 'all' };
  if (g.size !== 'ALL') {
    const zone = parseZone(g.zone);
    if (!zone) throw new Error(g.zone);
    try {
      bucket = bucketingFor(enumerateWindows(from, to, g.size, zone), g.size, zone);
    } catch {
      return undefined; // hours across Lord Howe's 30-minute shift: the planner refuses them too
    }
  }
  const groupBy = g.groupBy.map(d);
  return {
    accountId: ACCOUNT,
    meterId: g.meter,
    from,
    to,
    bucket,
    groupBy: g.reverse ? groupBy.reverse() : groupBy,
    ...(g.filter ? { filter: g.filter(d) } : {}),
    latest: g.latest,
  };
}

async function runAll(conn: DuckDBConnection, statements: string[]): Promise<void> {
  await conn.run('BEGIN TRANSACTION');
  for (const sql of statements) await conn.run(sql);
  await conn.run('COMMIT');
}

/**
 * One fold: the rows stored and their rollup rows added, aggregated in JS and appended as the
 * store does (`inJs`), or by the SQL reference from a staging table.
 */
async function fold(conn: DuckDBConnection, rows: Row[], inJs: boolean): Promise<void> {
  if (rows.length === 0) return;
  // A value as a string cast to DOUBLE: a numeric literal would be read as a DECIMAL first and
  // could round differently from the double the JS fold aggregates.
  const values = rows.map(
    (r) =>
      `(${litList([r.meter, r.account, r.time, r.subject])}, CAST(${lit(r.value === null ? null : String(r.value))} AS DOUBLE), ${litList([r.dims[0] ?? null, r.dims[1] ?? null, r.dims[2] ?? null, subjectBucket(r.subject)])})`,
  );
  const stage = `INSERT INTO fold_rows (meter_id, account_id, time, subject, value, g0, g1, g2, sb) VALUES ${values.join(', ')}`;
  if (!inJs) {
    await runAll(conn, [
      stage,
      'INSERT INTO meter_rows_hot SELECT * FROM fold_rows',
      compileRollupFold(METERS) as string,
      'DELETE FROM fold_rows',
    ]);
    return;
  }
  const rollup = new RollupFold((m) => METERS.get(m));
  for (const r of rows) {
    rollup.add(r.account, r.time, [
      { meterId: r.meter, value: r.value, valueText: null, dims: r.dims },
    ]);
  }
  const appender = await conn.createAppender('rollup_15m');
  await conn.run('BEGIN TRANSACTION');
  await conn.run(stage);
  await conn.run('INSERT INTO meter_rows_hot SELECT * FROM fold_rows');
  await conn.run('DELETE FROM fold_rows');
  await appendRollupRows(appender, rollup.rows());
  appender.flushSync();
  await conn.run('COMMIT');
  appender.closeSync();
}

interface Result {
  names: string[];
  types: string[];
  rows: DuckDBValue[][];
}

const cellKey = (v: DuckDBValue) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));

async function query(conn: DuckDBConnection, sql: string): Promise<Result> {
  const r = await conn.runAndReadAll(sql);
  const rows = r.getRows();
  const key = (row: DuckDBValue[]) => row.map(cellKey).join('|');
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { names: r.columnNames(), types: r.columnTypes().map(String), rows };
}

/** Rows, columns and types equal; sums within `sumSlack(count, max |value|)` of each other. */
function expectSame(
  actual: Result,
  expected: Result,
  q: BaseUsageQuery,
  sumSlack?: (c: number, m: number) => number,
): void {
  expect(actual.names).toEqual(expected.names);
  expect(actual.types).toEqual(expected.types);
  if (!sumSlack) {
    expect(actual.rows).toEqual(expected.rows);
    return;
  }
  const s = 2 + q.groupBy.length;
  const strip = (rows: DuckDBValue[][]) => rows.map((r) => r.filter((_, i) => i !== s));
  expect(strip(actual.rows)).toEqual(strip(expected.rows));
  expected.rows.forEach((row, i) => {
    const [c, raw, mn, mx] = row.slice(s - 1, s + 3) as [bigint, number | null, number, number];
    const got = actual.rows[i]?.[s] as number | null;
    if (raw === null) expect(got).toBeNull();
    else {
      const slack = sumSlack(Number(c), Math.max(Math.abs(mn), Math.abs(mx)));
      expect(Math.abs((got as number) - raw)).toBeLessThanOrEqual(slack);
    }
  });
}

async function snapshot(conn: DuckDBConnection): Promise<DuckDBValue[][]> {
  return (await query(conn, 'SELECT * FROM rollup_15m')).rows;
}

/** Folds `rows` in their folds, merging a random range after some folds; optionally all at the end. */
async function load(
  conn: DuckDBConnection,
  rows: { row: Row; fold: number }[],
  merges: { after: number; fromQ: number; lenQ: number }[],
  mergeAll: boolean,
  inJs: readonly boolean[] = [true, false, true, false],
): Promise<void> {
  for (let f = 0; f <= 3; f++) {
    await fold(
      conn,
      rows.filter((r) => r.fold === f).map((r) => r.row),
      inJs[f] ?? true,
    );
    for (const m of merges.filter((x) => x.after === f)) {
      const from = T0 - DAY + m.fromQ * QUARTER;
      await runAll(conn, compileRollupMerge(from, from + m.lenQ * QUARTER));
    }
  }
  if (mergeAll) await runAll(conn, compileRollupMerge(T0 - DAY, T1 + DAY));
}

const mergesArb = fc.array(
  fc.record({
    after: fc.integer({ min: 0, max: 3 }),
    fromQ: fc.integer({ min: 0, max: 34 * 96 }),
    lenQ: fc.integer({ min: 1, max: 34 * 96 }),
  }),
  { maxLength: 3 },
);

async function compareQueries(
  conn: DuckDBConnection,
  generated: GeneratedQuery[],
  sumSlack?: (c: number, m: number) => number,
): Promise<void> {
  for (const g of generated) {
    const q = plan(g);
    if (!q) continue;
    const dims = METERS.get(q.meterId);
    const slot = rollupSlot(q, dims);
    if (referencesSubject(q)) {
      expect(slot, JSON.stringify(q)).toBeUndefined();
      continue;
    }
    expect(slot, JSON.stringify(q)).not.toBeUndefined();
    if (slot === undefined) continue;
    const raw = await query(conn, compileNumeric(q));
    const rolled = await query(conn, compileNumericFromRollup(q, slot));
    expectSame(rolled, raw, q, sumSlack);
    if (q.groupBy.length > 0) {
      const rangeSlot = rollupSlotForRange(q, dims);
      expect(rangeSlot).toBe(slot);
      const estimate = await query(conn, compileEstimateGroups(q));
      expect(
        (await query(conn, compileEstimateGroupsFromRollup(q, rangeSlot ?? 'none'))).rows,
      ).toEqual(estimate.rows);
    }
  }
}

describe('rollup_15m answers served queries exactly as meter_rows', () => {
  it('identical rows for exactly summable values, across folds and merges', async () => {
    await fc.assert(
      fc.asyncProperty(
        rowsArb(DYADIC),
        mergesArb,
        fc.boolean(),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.array(queryArb, { minLength: 1, maxLength: 8 }),
        (rows, merges, mergeAll, inJs, queries) =>
          withMigratedDb(async (conn) => {
            await load(conn, rows, merges, mergeAll, inJs);
            await compareQueries(conn, queries);
          }),
      ),
      { numRuns: 40 },
    );
  });

  it('sums of arbitrary doubles within the rounding bound of reordered summation', async () => {
    // Raw sum() itself adds in whatever order DuckDB's threads meet the rows; partial sums add in
    // another. Both are within (n-1)·u·Σ|x| of the exact sum, so they differ by at most
    // 2·n·u·n·max|x| (u = 2^-53); every other column still matches exactly.
    const slack = (c: number, m: number) => 2 * c * c * 2 ** -53 * m;
    await fc.assert(
      fc.asyncProperty(
        rowsArb(DOUBLES),
        mergesArb,
        fc.array(queryArb, { minLength: 1, maxLength: 6 }),
        (rows, merges, queries) =>
          withMigratedDb(async (conn) => {
            await load(conn, rows, merges, false);
            await compareQueries(conn, queries, slack);
          }),
      ),
      { numRuns: 20 },
    );
  });

  it('a rebuild from meter_rows equals the merged folds; a delete takes one meter only', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb(DYADIC), mergesArb, (rows, merges) =>
        withMigratedDb(async (conn) => {
          await load(conn, rows, merges, true);
          const merged = await snapshot(conn);
          const keys = await query(
            conn,
            'SELECT count(*) = count(DISTINCT (account_id, meter_id, bucket, slot, dim)) FROM rollup_15m',
          );
          expect(keys.rows).toEqual([[true]]);
          for (const [meter, dims] of METERS) await runAll(conn, compileRollupRebuild(meter, dims));
          expect(await snapshot(conn)).toEqual(merged);
          const ready = await query(conn, 'SELECT meter_id FROM rollup_ready');
          expect(ready.rows).toEqual([...METERS.keys()].sort().map((m) => [m]));
          await runAll(conn, compileRollupDelete('m3'));
          const left = merged.filter((r) => r[1] !== 'm3');
          expect(await snapshot(conn)).toEqual(left);
          expect((await query(conn, 'SELECT meter_id FROM rollup_ready')).rows).toEqual([
            ['m0'],
            ['m1'],
          ]);
          // Slots -1 .. dimensions-1 only: a meter's undeclared slots hold no rows.
          for (const r of merged) expect(Number(r[3])).toBeLessThan(METERS.get(String(r[1])) ?? 0);
        }),
      ),
      { numRuns: 20 },
    );
  });
});
