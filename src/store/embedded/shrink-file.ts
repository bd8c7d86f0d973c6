// DuckDB reuses the blocks that deletes free but gives back only those at the end of its file, so
// the file keeps the size of the most it ever held: the hot rows of months now archived, rollup
// slots dropped since. At a graceful stop, when most of the file is free and what is used is small
// enough to copy in a few seconds, the database is copied into a new file (COPY FROM DATABASE, as a
// backup does), checked table by table, and renamed over the old one.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { num, readRows } from './row-decoding.js';
import { lit } from './sql-quote.js';

/** Suffix of the copy while it is written; one left by a crash is deleted at the next start. */
export const SHRINK_SUFFIX = '.shrink';

export interface ShrinkLimits {
  /** Free bytes the file must hold, at least, to be worth copying. */
  minFreeBytes: number;
  /** Share of the file that must be free, at least. */
  minFreeShare: number;
  /** Used bytes the copy may take at most (its time grows with them). */
  maxUsedBytes: number;
}

export const DEFAULT_SHRINK: ShrinkLimits = {
  minFreeBytes: 32 * 1024 * 1024,
  minFreeShare: 0.5,
  maxUsedBytes: 512 * 1024 * 1024,
};

export interface ShrinkResult {
  before: number;
  after: number;
}

/**
 * Rewrites the closed database `file` into a compact copy when most of it is free; undefined when
 * it was left as it is (little free space, too much data, or a write-ahead log to replay first).
 */
export async function shrinkDatabaseFile(
  file: string,
  limits: ShrinkLimits = DEFAULT_SHRINK,
): Promise<ShrinkResult | undefined> {
  if (!existsSync(file) || existsSync(`${file}.wal`)) return undefined;
  const copy = `${file}${SHRINK_SUFFIX}`;
  rmSync(copy, { force: true });
  const before = statSync(file).size;
  const instance = await DuckDBInstance.create(file, { threads: '2' });
  const conn = await instance.connect();
  try {
    const [size] = await readRows(conn, 'PRAGMA database_size');
    const block = num(size?.block_size);
    const used = num(size?.used_blocks) * block;
    const free = num(size?.free_blocks) * block;
    const worth = free >= limits.minFreeBytes && free >= (free + used) * limits.minFreeShare;
    if (!worth || free === 0 || used > limits.maxUsedBytes) return undefined;
    const [db] = await readRows(conn, 'SELECT current_database() AS name');
    const source = String(db?.name);
    await conn.run(`ATTACH ${lit(copy)} AS shrunk`);
    try {
      await conn.run(`COPY FROM DATABASE ${source} TO shrunk`);
      await conn.run('CHECKPOINT shrunk');
      await expectSameTables(conn, source);
    } finally {
      await conn.run('DETACH DATABASE IF EXISTS shrunk');
    }
  } catch (err) {
    rmSync(copy, { force: true });
    throw err;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  if (!existsSync(copy)) return undefined;
  syncPath(copy);
  renameSync(copy, file);
  syncPath(dirname(file));
  return { before, after: statSync(file).size };
}

/** Every base table holds as many rows in the copy as in the source. */
async function expectSameTables(
  conn: Awaited<ReturnType<DuckDBInstance['connect']>>,
  source: string,
): Promise<void> {
  const tables = await readRows(
    conn,
    `SELECT table_name FROM duckdb_tables() WHERE database_name = ${lit(source)} AND NOT temporary`,
  );
  for (const t of tables) {
    const name = String(t.table_name);
    if (!/^[a-z_0-9]+$/.test(name)) throw new Error(`unexpected table name ${name}`);
    const [r] = await readRows(
      conn,
      `SELECT (SELECT count(*) FROM ${source}.${name}) AS a, (SELECT count(*) FROM shrunk.${name}) AS b`,
    );
    if (num(r?.a) !== num(r?.b)) {
      throw new Error(`the compact copy of ${basename(source)} lost rows of ${name}`);
    }
  }
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
