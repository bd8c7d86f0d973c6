// The fold's daily distinct rows gathered in JS (what the store runs) equal those of the SQL
// reference compileDistinctFold over the same rows: random meters (one not tracked), null values,
// repeated values, accounts and times around UTC midnights, also before 1970. The JS rows reach
// distinct_1d of a real DuckDB through the store's appender; the merge then leaves one row each.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeterRow } from '../../../meter/meter-definition.js';
import { DAY_MS } from '../compaction-policy.js';
import { litList } from '../sql-quote.js';
import { compileDistinctFold, compileDistinctMerge } from './compile-distinct-write.js';
import { DistinctFold } from './distinct-fold.js';
import { withMigratedDb } from './migrated-db.test-support.js';
import { appendDistinctRows } from './rollup-append.js';

const TRACKED = ['u1', "u'2"];
const T0 = Date.UTC(2025, 5, 1);

interface Ev {
  account: string;
  time: number;
  rows: MeterRow[];
}

const eventsArb: fc.Arbitrary<Ev[]> = fc.array(
  fc.record({
    account: fc.constantFrom('acc', 'acc', "o'ther"),
    time: fc.oneof(
      fc.integer({ min: T0 - 2 * DAY_MS, max: T0 + 2 * DAY_MS }),
      fc.constantFrom(T0, T0 - 1, T0 + DAY_MS - 1, T0 + DAY_MS, 0, -1, -DAY_MS, -DAY_MS - 1),
    ),
    rows: fc.array(
      fc.record({
        meterId: fc.constantFrom('u1', "u'2", 'untracked'),
        value: fc.constant(null),
        valueText: fc.option(fc.constantFrom('a', 'b', "c'd", '', 'é'), { freq: 5 }),
        dims: fc.constant([]),
      }),
      { maxLength: 3 },
    ),
  }),
  { maxLength: 150 },
);

const ORDER = 'ORDER BY account_id, meter_id, day, value_text NULLS FIRST';

/** distinct_1d's rows sorted, and emptied. */
async function take(conn: DuckDBConnection): Promise<DuckDBValue[][]> {
  const rows = (await conn.runAndReadAll(`SELECT * FROM distinct_1d ${ORDER}`)).getRows();
  await conn.run('DELETE FROM distinct_1d');
  return rows;
}

async function viaJs(conn: DuckDBConnection, events: readonly Ev[]): Promise<DistinctFold> {
  const fold = new DistinctFold((m) => TRACKED.includes(m));
  for (const e of events) fold.add(e.account, e.time, e.rows);
  const appender = await conn.createAppender('distinct_1d');
  // A small yield interval: the yields must not change what is appended.
  expect(await appendDistinctRows(appender, fold.rows(), 5)).toBe(fold.size);
  appender.flushSync();
  appender.closeSync();
  return fold;
}

async function viaSql(conn: DuckDBConnection, events: readonly Ev[]): Promise<void> {
  const values = events.flatMap((e) =>
    e.rows.map((r) => `(${litList([r.meterId, e.account, e.time, 'subject', r.valueText])})`),
  );
  if (values.length === 0) return;
  await conn.run(
    `INSERT INTO fold_rows (meter_id, account_id, time, subject, value_text) VALUES ${values.join(', ')}`,
  );
  await conn.run(compileDistinctFold(TRACKED) as string);
  await conn.run('DELETE FROM fold_rows');
}

describe('the fold of daily distinct values', () => {
  it('equals the SQL reference, row for row, and counts its rows per UTC day', async () => {
    await withMigratedDb(async (conn) => {
      await fc.assert(
        fc.asyncProperty(eventsArb, async (events) => {
          const fold = await viaJs(conn, events);
          const js = await take(conn);
          await viaSql(conn, events);
          expect(js).toEqual(await take(conn));
          // Partials: each day's rows, spanning exactly that UTC day.
          const perDay = new Map<number, number>();
          for (const r of fold.rows()) {
            perDay.set(r.day / DAY_MS, (perDay.get(r.day / DAY_MS) ?? 0) + 1);
          }
          const partials = fold.partials();
          expect(new Map([...partials].map(([d, p]) => [d, p.rows]))).toEqual(perDay);
          for (const [d, p] of partials)
            expect([p.from, p.to]).toEqual([d * DAY_MS, (d + 1) * DAY_MS]);
        }),
        { numRuns: 60 },
      );
    });
  });

  it('keeps one row per value once a merge ran over the days, whatever the folds repeated', async () => {
    await withMigratedDb(async (conn) => {
      await fc.assert(
        fc.asyncProperty(fc.array(eventsArb, { minLength: 1, maxLength: 4 }), async (folds) => {
          for (const events of folds) await viaJs(conn, events);
          const all = (
            await conn.runAndReadAll(`SELECT DISTINCT * FROM distinct_1d ${ORDER}`)
          ).getRows();
          for (const sql of compileDistinctMerge(-3 * DAY_MS, T0 + 3 * DAY_MS)) await conn.run(sql);
          expect(await take(conn)).toEqual(all);
        }),
        { numRuns: 40 },
      );
    });
  });
});
