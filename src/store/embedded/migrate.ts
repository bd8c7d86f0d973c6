// Brings a data directory's DuckDB file to the current schema (schema.ts) at start.
import type { DuckDBConnection } from '@duckdb/node-api';
import { readRows } from './row-decoding.js';
import { METER_ROWS_HOT, MIGRATIONS } from './schema.js';
import { lit } from './sql-quote.js';
import { subjectBucket } from './subject-bucket.js';

/** Runs the migrations the ledger does not list, each in its own transaction. */
export async function migrate(conn: DuckDBConnection): Promise<void> {
  await conn.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
  const done = new Set(
    (await readRows(conn, 'SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
  );
  for (const [i, sql] of MIGRATIONS.entries()) {
    if (done.has(i + 1)) continue;
    await conn.run('BEGIN TRANSACTION');
    await conn.run(sql);
    await conn.run(`INSERT INTO schema_migrations VALUES (${lit(i + 1)})`);
    await conn.run('COMMIT');
  }
}

/** Fills the subject bucket of rows written before the column existed (migration 3). */
export async function fillSubjectBuckets(conn: DuckDBConnection): Promise<void> {
  const subjects = (
    await readRows(conn, `SELECT DISTINCT subject FROM ${METER_ROWS_HOT} WHERE sb IS NULL`)
  ).map((r) => String(r.subject));
  for (let i = 0; i < subjects.length; i += 1000) {
    const part = subjects.slice(i, i + 1000);
    const values = part.map((s) => `(${lit(s)}, ${lit(subjectBucket(s))})`).join(', ');
    await conn.run(
      `UPDATE ${METER_ROWS_HOT} AS m SET sb = b.sb FROM (VALUES ${values}) AS b(subject, sb) WHERE m.sb IS NULL AND m.subject = b.subject`,
    );
  }
}
