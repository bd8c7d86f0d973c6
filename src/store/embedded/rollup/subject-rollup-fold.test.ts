// The per-subject fold (RollupFold by subject, what the store runs for tracked subjects) equals
// the SQL aggregate its builds use (aggregateFrom by subject) row for row: random meters (one
// without a rollup), tracked and untracked subjects, null values and dimensions, equal times for
// LATEST ties, times before 1970 and on bucket edges. Both are written to subject_rollup_15m of a
// real DuckDB, the JS rows through the store's appender.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeterRow } from '../../../meter/meter-definition.js';
import { litList } from '../sql-quote.js';
import { subjectBucket } from '../subject-bucket.js';
import { aggregateFrom } from './compile-rollup-aggregate.js';
import { withMigratedDb } from './migrated-db.test-support.js';
import { appendSubjectRollupRows } from './rollup-append.js';
import { RollupFold } from './rollup-fold.js';
import { ROLLUP_BUCKET_MS } from './schema.js';
import { SUBJECT_ROLLUP_COLUMNS } from './subject-schema.js';

const METERS = new Map([
  ['m2', 2],
  ['m0', 0],
]);
const TRACKED = new Set(['s1', "s'2"]);
const T0 = Date.UTC(2025, 5, 1);

interface Ev {
  account: string;
  subject: string;
  time: number;
  rows: MeterRow[];
}

const eventsArb: fc.Arbitrary<Ev[]> = fc.array(
  fc.record({
    account: fc.constantFrom('acc', "o'ther"),
    subject: fc.constantFrom('s1', "s'2", 'untracked'),
    time: fc.oneof(
      fc.integer({ min: T0, max: T0 + 4 * ROLLUP_BUCKET_MS }),
      fc.constantFrom(T0, T0 - 1, T0 + ROLLUP_BUCKET_MS, -1, 0),
    ),
    rows: fc.array(
      fc.record({
        meterId: fc.constantFrom('m2', 'm0', 'unknown'),
        value: fc.option(
          fc.integer({ min: -400, max: 400 }).map((n) => n / 8),
          { freq: 4 },
        ),
        valueText: fc.constant(null),
        dims: fc.array(fc.constantFrom('a', "b'", null), { maxLength: 3 }),
      }),
      { maxLength: 2 },
    ),
  }),
  { maxLength: 80 },
);

const cellKey = (v: DuckDBValue) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));

async function take(conn: DuckDBConnection): Promise<string[][]> {
  const rows = (
    await conn.runAndReadAll(
      'SELECT * FROM subject_rollup_15m ORDER BY account_id, meter_id, subject, bucket, slot, dim NULLS FIRST',
    )
  ).getRows();
  await conn.run('DELETE FROM subject_rollup_15m');
  return rows.map((r) => r.map(cellKey));
}

describe('the per-subject fold in JS equals the SQL aggregate of its builds', () => {
  it('row for row, for tracked subjects only', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, (events) =>
        withMigratedDb(async (conn) => {
          const fold = new RollupFold(
            (m, s) => (TRACKED.has(s) ? METERS.get(m) : undefined),
            () => new Set(),
            true,
          );
          for (const e of events) fold.add(e.account, e.time, e.rows, e.subject);
          const appender = await conn.createAppender('subject_rollup_15m');
          expect(await appendSubjectRollupRows(appender, fold.rows(), 5)).toBe(fold.size);
          appender.flushSync();
          appender.closeSync();
          const js = await take(conn);

          const values = events.flatMap((e) =>
            e.rows.map(
              (r) =>
                `(${litList([r.meterId, e.account, e.time, e.subject, subjectBucket(e.subject)])}, CAST(${r.value === null ? 'NULL' : `'${r.value}'`} AS DOUBLE), ${litList([r.dims[0] ?? null, r.dims[1] ?? null])})`,
            ),
          );
          if (values.length > 0) {
            await conn.run(
              'CREATE TEMP TABLE IF NOT EXISTS fold_rows AS SELECT * FROM meter_rows LIMIT 0',
            );
            await conn.run(
              `INSERT INTO fold_rows (meter_id, account_id, time, subject, sb, value, g0, g1) VALUES ${values.join(', ')}`,
            );
            const select = aggregateFrom(
              'fold_rows',
              METERS,
              `r.subject IN (${litList([...TRACKED])})`,
              undefined,
              true,
            );
            await conn.run(`INSERT INTO subject_rollup_15m (${SUBJECT_ROLLUP_COLUMNS}) ${select}`);
          }
          expect(js).toEqual(await take(conn));
          expect(js.every((r) => r[2] !== '"untracked"')).toBe(true);
        }),
      ),
      { numRuns: 50 },
    );
  });
});
