// Tests only: a fresh in-memory DuckDB with every migration of the store and the fold's staging
// table, for comparing the rollups' in-memory folds with their SQL references.
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { MIGRATIONS } from '../schema.js';
import { CREATE_FOLD_ROWS } from './compile-rollup-write.js';

export async function withMigratedDb(
  body: (conn: DuckDBConnection) => Promise<void>,
): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const sql of [...MIGRATIONS, CREATE_FOLD_ROWS]) await conn.run(sql);
    await body(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
