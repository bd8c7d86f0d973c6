// The fold's rollup rows aggregated in JS (what the store runs) equal those of the SQL reference
// compileRollupFold over the same rows: random meters (one unknown, so without a rollup), null
// values and dimensions, equal times for LATEST ties, times before 1970 and on bucket edges. Both
// are written to rollup_15m of a real DuckDB, the JS rows through the store's appender.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeterRow } from '../../../meter/meter-definition.js';
import { DAY_MS } from '../compaction-policy.js';
import { lit, litList } from '../sql-quote.js';
import { compileRollupFold } from './compile-rollup-write.js';
import { withMigratedDb } from './migrated-db.test-support.js';
import { appendRollupRows } from './rollup-append.js';
import { RollupFold } from './rollup-fold.js';
import { ROLLUP_BUCKET_MS } from './schema.js';

const METERS = new Map([
  ['m2', 2],
  ['m0', 0],
  ['m4', 4],
]);
const T0 = Date.UTC(2025, 5, 1);

interface Ev {
  account: string;
  time: number;
  rows: MeterRow[];
}

const dimArb = fc.constantFrom('a', 'b', "c'", null, null);

function eventsArb(value: fc.Arbitrary<number | null>): fc.Arbitrary<Ev[]> {
  const row = fc.record({
    meterId: fc.constantFrom('m2', 'm0', 'm4', 'unknown'),
    value,
    valueText: fc.constant(null),
    dims: fc.array(dimArb, { maxLength: 5 }),
  });
  const time = fc.oneof(
    fc.integer({ min: T0, max: T0 + 6 * ROLLUP_BUCKET_MS }),
    fc.constantFrom(T0, T0 - 1, T0 + ROLLUP_BUCKET_MS, -1, -ROLLUP_BUCKET_MS, 0),
    fc.integer({ min: T0 - 3 * DAY_MS, max: T0 + 3 * DAY_MS }),
  );
  return fc.array(
    fc.record({
      account: fc.constantFrom('acc', 'acc', "o'ther"),
      time,
      rows: fc.array(row, { maxLength: 3 }),
    }),
    { maxLength: 120 },
  );
}

const DYADIC = fc.option(
  fc.integer({ min: -4000, max: 4000 }).map((n) => n / 16),
  { freq: 4 },
);
const DOUBLES = fc.option(
  fc
    .double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
    .map((v) => (v === 0 ? 0 : v)),
  { freq: 4 },
);

const cellKey = (v: DuckDBValue) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));

/** rollup_15m's rows sorted by key, and emptied. */
async function take(conn: DuckDBConnection): Promise<DuckDBValue[][]> {
  const rows = (
    await conn.runAndReadAll(
      'SELECT * FROM rollup_15m ORDER BY account_id, meter_id, bucket, slot, dim NULLS FIRST',
    )
  ).getRows();
  await conn.run('DELETE FROM rollup_15m');
  return rows;
}

/** Slots left out of the meters' rollups in the dropped-slot property (none otherwise). */
const DROPPED = new Map<string, ReadonlySet<number>>();
const droppedOf = (m: string) => DROPPED.get(m) ?? new Set<number>();

async function viaJs(conn: DuckDBConnection, events: readonly Ev[]): Promise<RollupFold> {
  const fold = new RollupFold((m) => METERS.get(m), droppedOf);
  for (const e of events) fold.add(e.account, e.time, e.rows);
  const appender = await conn.createAppender('rollup_15m');
  await conn.run('BEGIN TRANSACTION');
  // A small yield interval: the yields must not change what is appended.
  expect(await appendRollupRows(appender, fold.rows(), 7)).toBe(fold.size);
  appender.flushSync();
  await conn.run('COMMIT');
  appender.closeSync();
  return fold;
}

async function viaSql(conn: DuckDBConnection, events: readonly Ev[]): Promise<void> {
  const values = events.flatMap((e) =>
    e.rows.map(
      (r) =>
        // The value as a string cast to DOUBLE: a numeric literal is read as a DECIMAL first.
        `(${litList([r.meterId, e.account, e.time, 'subject'])}, CAST(${lit(r.value === null ? null : String(r.value))} AS DOUBLE), ${litList(Array.from({ length: 4 }, (_, i) => r.dims[i] ?? null))})`,
    ),
  );
  if (values.length === 0) return;
  await conn.run(
    `INSERT INTO fold_rows (meter_id, account_id, time, subject, value, g0, g1, g2, g3) VALUES ${values.join(', ')}`,
  );
  await conn.run(compileRollupFold(METERS, droppedOf) as string);
  await conn.run('DELETE FROM fold_rows');
}

/** JS rows equal SQL rows; sums within `slack(count, max |value|)` when given, else exactly. */
function expectSame(
  js: DuckDBValue[][],
  sql: DuckDBValue[][],
  slack?: (c: number, m: number) => number,
): void {
  const SUM = 6;
  const strip = (rows: DuckDBValue[][]) =>
    rows.map((r) => r.filter((_, i) => !slack || i !== SUM).map(cellKey));
  expect(strip(js)).toEqual(strip(sql));
  if (!slack) return;
  sql.forEach((row, i) => {
    const [c, s, mn, mx] = [row[5], row[6], row[7], row[8]] as [bigint, number, number, number];
    const got = js[i]?.[SUM] as number | null;
    if (s === null) expect(got).toBeNull();
    else {
      const bound = slack(Number(c), Math.max(Math.abs(mn), Math.abs(mx)));
      expect(Math.abs((got as number) - s)).toBeLessThanOrEqual(bound);
    }
  });
}

describe('the fold rollup in JS equals the SQL reference', () => {
  it('row for row, exactly, for exactly summable values', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb(DYADIC), (events) =>
        withMigratedDb(async (conn) => {
          const fold = await viaJs(conn, events);
          const js = await take(conn);
          await viaSql(conn, events);
          const sql = await take(conn);
          expectSame(js, sql);
          // The tail bookkeeping counts every row under its UTC day, within its bucket span.
          const days = new Map<number, number>();
          for (const r of js) {
            const day = Math.floor(Number(r[2]) / DAY_MS);
            days.set(day, (days.get(day) ?? 0) + 1);
          }
          const partials = fold.partials();
          expect(new Map([...partials].map(([d, p]) => [d, p.rows]))).toEqual(days);
          for (const r of js) {
            const p = partials.get(Math.floor(Number(r[2]) / DAY_MS));
            expect(Number(r[2])).toBeGreaterThanOrEqual(p?.from ?? Number.NaN);
            expect(Number(r[2])).toBeLessThan(p?.to ?? Number.NaN);
          }
        }),
      ),
      { numRuns: 60 },
    );
  });

  it('leaves dropped slots out, row for row as the SQL reference does', async () => {
    const [first] = METERS.keys();
    DROPPED.set(first as string, new Set([0, 2]));
    try {
      await fc.assert(
        fc.asyncProperty(eventsArb(DYADIC), (events) =>
          withMigratedDb(async (conn) => {
            await viaJs(conn, events);
            const js = await take(conn);
            expect(js.some((r) => r[1] === first && (r[3] === 0 || r[3] === 2))).toBe(false);
            await viaSql(conn, events);
            expectSame(js, await take(conn));
          }),
        ),
        { numRuns: 30 },
      );
    } finally {
      DROPPED.clear();
    }
  });

  it('sums of arbitrary doubles within the bound of reordered summation, the rest exactly', async () => {
    const slack = (c: number, m: number) => 2 * c * c * 2 ** -53 * m;
    await fc.assert(
      fc.asyncProperty(eventsArb(DOUBLES), (events) =>
        withMigratedDb(async (conn) => {
          await viaJs(conn, events);
          const js = await take(conn);
          await viaSql(conn, events);
          expectSame(js, await take(conn), slack);
        }),
      ),
      { numRuns: 30 },
    );
  });
});
