// Online backup of the embedded store, and the offline copy back into a data directory.
//
// A backup is DuckDB's file copied from one MVCC snapshot plus the acknowledged records the
// snapshot lacks. The order makes it exact without pausing anything: the ingest-log segments are
// read first, the snapshot is taken after. A segment is deleted only once DuckDB has folded all its
// records, so every record after the snapshot's last folded one (read from the snapshot itself)
// was still on disk when the segments were read; and every record acknowledged before the backup
// started was on disk then too. The backup's log gets exactly the records after the snapshot, so a
// restore folds each event once, and the dedupe of a restored store sees all of them.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ValidationError } from '../../errors/domain-errors.js';
import type { BackupInfo } from '../ports.js';
import { ARCHIVE_DIR, archiveFileName } from './archive/archive-layout.js';
import { IngestLog } from './ingest-log.js';
import { encodeRecord, HEADER_BYTES, MAGIC } from './ingest-log-record.js';
import { isLegacy, scanFramed, scanLegacy } from './ingest-log-scan.js';
import { num, readRows } from './row-decoding.js';
import { EVENTS_HOT, MIGRATIONS } from './schema.js';
import { lit } from './sql-quote.js';

export const DB_FILE = 'tally.duckdb';
export const LOG_DIR = 'ingest-log';
export const MANIFEST = 'backup.json';
const FORMAT = 'tally-embedded-backup';
const FORMAT_VERSION = 1;
/** The catalog DuckDB names after DB_FILE, and the name the copy is attached under. */
const SOURCE_DB = 'tally';
const TARGET_DB = 'tally_backup';
const SEGMENT_NAME = /^ingest-(\d+)\.log$/;

/** backup.json: what the backup holds, checked again at restore. */
export interface BackupManifest extends Omit<BackupInfo, 'path'> {
  format: typeof FORMAT;
  version: number;
  /** Migrations the copied database had run (schema.ts): a release with fewer cannot open it. */
  schemaVersion: number;
}

/** A record of the live log after the snapshot's lower bound, as bytes for the backup's log. */
export interface TailRecord {
  seq: number;
  events: number;
  bytes: Buffer;
}

/**
 * Writes a backup of the store under `dataDir` into `targetDir`. `conn` is a connection of the
 * store's instance for this backup alone: its one long read transaction is the snapshot.
 */
export async function writeBackup(
  conn: DuckDBConnection,
  dataDir: string,
  targetDir: string,
): Promise<BackupInfo> {
  const started = Date.now();
  const target = checkTarget(dataDir, targetDir);
  const createdDir = !existsSync(target);
  await mkdir(target, { recursive: true });
  try {
    // Records at or below the folded seq DuckDB has now are in any later snapshot: not read.
    const floor = await appliedSeq(conn, SOURCE_DB);
    const tail = await readLogTail(join(dataDir, LOG_DIR), floor);
    const snapshot = await copyDatabase(conn, join(target, DB_FILE));
    // The caller keeps the snapshot's archive files from being deleted until the backup ends.
    const archived = await copyArchive(dataDir, target, snapshot.archiveFiles);
    const records = tailAfter(tail, snapshot.appliedSeq);
    const logFile = await writeLog(join(target, LOG_DIR), snapshot.appliedSeq, records);
    const ingestLogSeq = records[records.length - 1]?.seq ?? snapshot.appliedSeq;
    const tailEvents = records.reduce((n, r) => n + r.events, 0);
    const files = await describeFiles(target, [
      DB_FILE,
      ...archived,
      ...(logFile ? [logFile] : []),
    ]);
    const manifest: BackupManifest = {
      format: FORMAT,
      version: FORMAT_VERSION,
      schemaVersion: snapshot.schemaVersion,
      createdAt: new Date(started).toISOString(),
      events: snapshot.events + tailEvents,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      ingestLogSeq,
      snapshotSeq: snapshot.appliedSeq,
      tailEvents,
      // Nothing above holds the write chain or the compactor: folds and acknowledgements go on.
      writerBlockedMs: 0,
      durationMs: 0,
      files,
    };
    manifest.durationMs = Date.now() - started;
    await writeDurably(join(target, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const { format: _f, version: _v, schemaVersion: _s, ...info } = manifest;
    return { path: target, ...info };
  } catch (err) {
    await removeWritten(target, createdDir);
    throw err;
  }
}

/**
 * Copies a backup into `dataDir` (missing or empty), checking every file against the manifest.
 * The store is not opened here: opening it folds the backup's log (DuckDbStore.restore).
 */
export async function copyBackup(backupDir: string, dataDir: string): Promise<BackupManifest> {
  const manifest = await readManifest(backupDir);
  if (manifest.schemaVersion > MIGRATIONS.length) {
    throw new Error(
      `the backup was made by a newer release (schema ${manifest.schemaVersion}, this release knows ${MIGRATIONS.length}): restore it with that release`,
    );
  }
  const target = resolve(dataDir);
  if (existsSync(target)) {
    if (!(await stat(target)).isDirectory() || (await readdir(target)).length > 0) {
      throw new ValidationError([
        { path: 'dataDir', message: `${target} must be an empty directory or not exist` },
      ]);
    }
  }
  await mkdir(join(target, LOG_DIR), { recursive: true });
  for (const f of manifest.files) {
    const to = join(target, f.name);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(join(backupDir, f.name), to);
    await fsyncFile(to);
    const got = await fileSummary(target, f.name);
    if (got.bytes !== f.bytes || got.sha256 !== f.sha256) {
      throw new Error(`${f.name} of the backup does not match its manifest (damaged copy?)`);
    }
  }
  await fsyncDir(join(target, LOG_DIR));
  await fsyncDir(target);
  return manifest;
}

export async function readManifest(backupDir: string): Promise<BackupManifest> {
  let m: BackupManifest;
  try {
    m = JSON.parse(await readFile(join(backupDir, MANIFEST), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new Error(
      `${backupDir} is not a complete Tally backup (${MANIFEST}: ${(err as Error).message})`,
    );
  }
  if (m.format !== FORMAT || m.version !== FORMAT_VERSION || !Array.isArray(m.files)) {
    throw new Error(`${join(backupDir, MANIFEST)} is not a backup manifest this release reads`);
  }
  for (const f of m.files) {
    // The names come from a file: keep them inside the directories they are copied between.
    if (isAbsolute(f.name) || f.name.split(/[\\/]/).includes('..')) {
      throw new Error(`${MANIFEST} names a file outside the backup: ${f.name}`);
    }
  }
  return m;
}

/** The target as an absolute path, or a ValidationError saying why it cannot take a backup. */
function checkTarget(dataDir: string, targetDir: string): string {
  const refuse = (message: string) => new ValidationError([{ path: 'path', message }]);
  if (!isAbsolute(targetDir)) throw refuse('must be an absolute path on the server');
  const target = resolve(targetDir);
  const data = realpathSync(dataDir);
  const real = realPathOf(target);
  if (real === data || real.startsWith(data + sep)) {
    throw refuse(`must not be inside the data directory (${data})`);
  }
  if (!existsSync(target)) return target;
  // Checked synchronously with the existence test above, so nothing changes in between.
  const entries = statIsDirectory(target);
  if (entries === undefined) throw refuse(`${target} exists and is not a directory`);
  if (entries > 0) throw refuse(`${target} is not empty`);
  return target;
}

/** The real path of `p`, through symbolic links of its deepest existing ancestor. */
function realPathOf(p: string): string {
  let existing = p;
  while (!existsSync(existing)) existing = dirname(existing);
  return join(realpathSync(existing), relative(existing, p));
}

/** Entries of the directory `p`, or undefined when it is not one. */
function statIsDirectory(p: string): number | undefined {
  if (!statSync(p).isDirectory()) return undefined;
  return readdirSync(p).length;
}

async function appliedSeq(conn: DuckDBConnection, db: string): Promise<number> {
  const [row] = await readRows(conn, `SELECT applied_seq FROM ${db}.ingest_state`);
  return num(row?.applied_seq ?? 0);
}

/**
 * The live log's records after `floor`, from the segment files as they are now. Segments deleted
 * meanwhile held only folded records. Folded records before the first newer one are skipped by
 * their headers alone, so a backup parses only the unfolded tail, not the whole 64 MB segment.
 */
export async function readLogTail(logDir: string, floor: number): Promise<TailRecord[]> {
  const names = (await readdir(logDir)).filter((f) => SEGMENT_NAME.test(f)).sort();
  const out: TailRecord[] = [];
  for (const name of names) {
    let buf: Buffer;
    try {
      buf = await readFile(join(logDir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (isLegacy(buf)) {
      for (const p of scanLegacy(buf)) {
        if (p.type === 'record' && p.record.seq > floor) {
          out.push({
            seq: p.record.seq,
            events: p.record.items.length,
            bytes: encodeRecord(p.record),
          });
        }
      }
      continue;
    }
    const rest = buf.subarray(skipFolded(buf, floor));
    for (const p of scanFramed(rest)) {
      if (p.type === 'record' && p.record.seq > floor) {
        const bytes = Buffer.from(rest.subarray(p.offset, p.end));
        out.push({ seq: p.record.seq, events: p.record.items.length, bytes });
      }
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * Offset of the first record whose header (its checksum holding) says its seq is above `floor`,
 * or of the first bytes that are not such a header. Layout: ingest-log-record.ts.
 */
function skipFolded(buf: Buffer, floor: number): number {
  let pos = 0;
  while (buf.length - pos >= HEADER_BYTES) {
    if (!buf.subarray(pos, pos + MAGIC.length).equals(MAGIC)) break;
    if (crc32(buf.subarray(pos, pos + 20)) !== buf.readUInt32LE(pos + 20)) break;
    const end = pos + HEADER_BYTES + buf.readUInt32LE(pos + 4);
    if (buf.readBigUInt64LE(pos + 8) > BigInt(floor) || end > buf.length) break;
    pos = end;
  }
  return pos;
}

/**
 * The records after the snapshot's `applied`, without a gap: records after a gap were written
 * after the segments were read (a torn last record), so after anything acknowledged before.
 */
export function tailAfter(tail: TailRecord[], applied: number): TailRecord[] {
  const after = tail.filter((r) => r.seq > applied);
  if (after.length > 0 && (after[0] as TailRecord).seq !== applied + 1) {
    throw new Error(
      `the ingest log lacks record ${applied + 1} after the snapshot (found ${(after[0] as TailRecord).seq}); nothing was backed up`,
    );
  }
  const run: TailRecord[] = [];
  for (const r of after) {
    if (r.seq !== applied + run.length + 1) break;
    run.push(r);
  }
  return run;
}

interface Snapshot {
  appliedSeq: number;
  events: number;
  schemaVersion: number;
  /** The archive files the snapshot's views read (names in the archive directory). */
  archiveFiles: string[];
}

/**
 * The whole database copied into a new file from one transaction's snapshot (DuckDB's MVCC):
 * folds, rewrites and metadata writes commit beside it and stay out of it.
 */
async function copyDatabase(conn: DuckDBConnection, file: string): Promise<Snapshot> {
  const [db] = await readRows(conn, 'SELECT current_database() AS name');
  if (db?.name !== SOURCE_DB) throw new Error(`unexpected database name ${String(db?.name)}`);
  await conn.run(`ATTACH ${lit(file)} AS ${TARGET_DB}`);
  try {
    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(`COPY FROM DATABASE ${SOURCE_DB} TO ${TARGET_DB}`);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
    const [row] = await readRows(
      conn,
      `SELECT (SELECT applied_seq FROM ${TARGET_DB}.ingest_state) AS seq, (SELECT count(*) FROM ${TARGET_DB}.${EVENTS_HOT}) + (SELECT coalesce(sum(events), 0) FROM ${TARGET_DB}.archive_months) AS events, (SELECT max(version) FROM ${TARGET_DB}.schema_migrations) AS schema`,
    );
    const months = await readRows(
      conn,
      `SELECT month, events_gen, rows_gen FROM ${TARGET_DB}.archive_months`,
    );
    await conn.run(`CHECKPOINT ${TARGET_DB}`);
    return {
      appliedSeq: num(row?.seq),
      events: num(row?.events),
      schemaVersion: num(row?.schema),
      archiveFiles: months.flatMap((m) => [
        archiveFileName('events', num(m.month), num(m.events_gen)),
        archiveFileName('meter_rows', num(m.month), num(m.rows_gen)),
      ]),
    };
  } finally {
    await conn.run(`DETACH DATABASE IF EXISTS ${TARGET_DB}`);
  }
}

/** The archive files copied and synced; their names relative to the backup directory. */
async function copyArchive(dataDir: string, target: string, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  await mkdir(join(target, ARCHIVE_DIR), { recursive: true });
  const out: string[] = [];
  for (const name of names) {
    const rel = join(ARCHIVE_DIR, name);
    await copyFile(join(dataDir, rel), join(target, rel));
    await fsyncFile(join(target, rel));
    out.push(rel);
  }
  await fsyncDir(join(target, ARCHIVE_DIR));
  return out;
}

/** The backup's ingest log: one segment starting after the snapshot, synced; its file name. */
async function writeLog(
  logDir: string,
  applied: number,
  records: TailRecord[],
): Promise<string | undefined> {
  await mkdir(logDir, { recursive: true });
  if (records.length === 0) {
    await fsyncDir(logDir);
    return undefined;
  }
  // The name IngestLog gives a segment started at that record (checked by reading it back).
  const name = `ingest-${String(applied + 1).padStart(12, '0')}.log`;
  await writeDurably(join(logDir, name), Buffer.concat(records.map((r) => r.bytes)));
  const { records: read } = IngestLog.open(logDir, { foldedSeq: applied });
  const last = records[records.length - 1] as TailRecord;
  if (read.length !== records.length || read[read.length - 1]?.seq !== last.seq) {
    throw new Error('the backup ingest log does not read back as written');
  }
  return join(LOG_DIR, name);
}

async function describeFiles(dir: string, names: string[]): Promise<BackupInfo['files']> {
  await fsyncFile(join(dir, DB_FILE));
  const out: BackupInfo['files'] = [];
  for (const name of names) out.push(await fileSummary(dir, name));
  return out;
}

async function fileSummary(dir: string, name: string): Promise<BackupInfo['files'][number]> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(join(dir, name))) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { name: name.split(sep).join('/'), bytes, sha256: hash.digest('hex') };
}

/** Writes a file under a temporary name, syncs it, renames it and syncs its directory. */
async function writeDurably(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** After a failed backup: the directory as it was (removed, or emptied again). */
async function removeWritten(target: string, createdDir: boolean): Promise<void> {
  if (createdDir) {
    await rm(target, { recursive: true, force: true });
    return;
  }
  for (const entry of await readdir(target).catch(() => [] as string[])) {
    await rm(join(target, basename(entry)), { recursive: true, force: true });
  }
}
