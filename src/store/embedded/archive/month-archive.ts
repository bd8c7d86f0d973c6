// Closed months of events and meter rows moved out of DuckDB into Parquet files, written once and
// sorted (ZSTD: about half the bytes DuckDB's own storage takes, and DuckDB's file never shrinks
// after deletes or rewrites, while a replaced Parquet file is simply deleted). The views `events`
// and `meter_rows` read the hot tables and the files archive_months lists; each change of the
// files swaps the views in the same transaction as the rows' delete from the hot tables, so a
// snapshot sees every row exactly once. Old files go once no read that could use them runs
// (read-gate.ts). Late rows for an archived month land in the hot table and are read from there
// until the month is archived again, merged with its previous file.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { num, readRows } from '../row-decoding.js';
import { ARCHIVE_DIR, type ArchivedMonth, filesOf } from './archive-layout.js';
import {
  compileArchiveViews,
  compileDropMeterCopy,
  compileFileRows,
  compileHotDeletes,
  compileManifestUpsert,
  compileMeterRowsIn,
  compileMonthCopy,
  SELECT_MANIFEST,
} from './compile-archive.js';
import type { ReadGate } from './read-gate.js';
import {
  compileSlotsWithValues,
  compileSubjectDimsFill,
  compileSubjectDimsRetire,
  SELECT_MONTHS_WITHOUT_DIMS,
} from './subject-dims.js';

/** A change of archive files made inside a caller's transaction, settled after it. */
export interface PendingSwap {
  committed(): void;
  abandoned(): void;
}

const NOTHING: PendingSwap = { committed() {}, abandoned() {} };

export class MonthArchive {
  private readonly months = new Map<number, ArchivedMonth>();

  private constructor(
    /** Absolute path of the archive directory. */
    readonly dir: string,
    private readonly gate: ReadGate,
  ) {}

  /**
   * Loads archive_months, deletes what the archive directory holds beyond it (files of an archive
   * that did not commit, or of one whose old files were not deleted yet), and points the views at
   * this directory: they name absolute paths, because DuckDB resolves relative ones against the
   * process's working directory, and a restored backup lives elsewhere than its source.
   */
  static async open(
    conn: DuckDBConnection,
    dataDir: string,
    gate: ReadGate,
  ): Promise<MonthArchive> {
    const a = new MonthArchive(join(dataDir, ARCHIVE_DIR), gate);
    mkdirSync(a.dir, { recursive: true });
    for (const r of await readRows(conn, SELECT_MANIFEST)) {
      const m: ArchivedMonth = {
        month: num(r.month),
        eventsGen: num(r.events_gen),
        events: num(r.events),
        rowsGen: num(r.rows_gen),
        meterRows: num(r.meter_rows),
      };
      a.months.set(m.month, m);
    }
    const listed = new Set(a.paths().map((p) => basename(p)));
    const present = new Set(readdirSync(a.dir));
    for (const name of listed) {
      if (!present.has(name)) {
        throw new Error(
          `the archive file ${join(a.dir, name)} is missing: restore it (or the whole data directory) from a backup`,
        );
      }
    }
    for (const name of present) {
      if (!listed.has(name)) rmSync(join(a.dir, name), { recursive: true, force: true });
    }
    await transaction(conn, async () => {
      for (const sql of a.views([])) await conn.run(sql);
    });
    return a;
  }

  /** The archived months, oldest first. */
  list(): ArchivedMonth[] {
    return [...this.months.values()].sort((x, y) => x.month - y.month);
  }

  has(month: number): boolean {
    return this.months.has(month);
  }

  /** Bytes of the current archive files. */
  bytes(): number {
    let n = 0;
    for (const p of this.paths()) {
      try {
        n += statSync(p).size;
      } catch {
        // deleted by an operator: open() reports it at the next start
      }
    }
    return n;
  }

  /**
   * Moves the month [from, to) out of the hot tables into new files, merged with the month's
   * previous files, in one transaction on `conn` that also runs `bookkeeping`'s statements. Rows
   * committed to the hot tables after the transaction's snapshot stay there (DuckDB's MVCC keeps
   * them out of both the copy and the delete). `hold`, for tests, runs between copy and delete.
   */
  async archive(
    conn: DuckDBConnection,
    from: number,
    to: number,
    bookkeeping: (m: ArchivedMonth) => string[],
    hold?: () => Promise<void>,
  ): Promise<ArchivedMonth> {
    const prev = this.months.get(from);
    const next: ArchivedMonth = {
      month: from,
      eventsGen: (prev?.eventsGen ?? 0) + 1,
      events: 0,
      rowsGen: (prev?.rowsGen ?? 0) + 1,
      meterRows: 0,
    };
    const old = prev ? filesOf(this.dir, prev) : undefined;
    const [events, rows] = filesOf(this.dir, next);
    try {
      await transaction(conn, async () => {
        await conn.run(compileMonthCopy('events', from, to, old?.[0], events));
        await conn.run(compileMonthCopy('meter_rows', from, to, old?.[1], rows));
        next.events = await count(conn, compileFileRows(events));
        next.meterRows = await count(conn, compileFileRows(rows));
        await countSubjectDims(conn, rows, next, true);
        syncFiles([events, rows], this.dir);
        await hold?.();
        for (const sql of [
          ...compileHotDeletes(from, to),
          compileManifestUpsert(next),
          ...this.views([next]),
          ...bookkeeping(next),
        ]) {
          await conn.run(sql);
        }
      });
    } catch (err) {
      removeAll([events, rows]);
      throw err;
    }
    this.months.set(from, next);
    this.gate.retire(old ?? []);
    return next;
  }

  /**
   * Inside the caller's open transaction on `conn`: every archived meter rows file holding rows of
   * `meterId` rewritten without them, and the manifest and views changed to the new files. The
   * caller settles the result after its COMMIT or ROLLBACK.
   */
  async dropMeter(conn: DuckDBConnection, meterId: string): Promise<PendingSwap> {
    const changed: ArchivedMonth[] = [];
    const old: string[] = [];
    const written: string[] = [];
    try {
      for (const m of this.list()) {
        const [, rows] = filesOf(this.dir, m);
        if ((await count(conn, compileMeterRowsIn(rows, meterId))) === 0) continue;
        const next: ArchivedMonth = { ...m, rowsGen: m.rowsGen + 1 };
        const [, target] = filesOf(this.dir, next);
        written.push(target);
        await conn.run(compileDropMeterCopy(rows, meterId, target));
        next.meterRows = await count(conn, compileFileRows(target));
        await countSubjectDims(conn, target, next, true);
        changed.push(next);
        old.push(rows);
      }
      if (changed.length === 0) return NOTHING;
      syncFiles(written, this.dir);
      for (const sql of [...changed.map(compileManifestUpsert), ...this.views(changed)]) {
        await conn.run(sql);
      }
    } catch (err) {
      removeAll(written);
      throw err;
    }
    return {
      committed: () => {
        for (const m of changed) this.months.set(m.month, m);
        this.gate.retire(old);
      },
      abandoned: () => removeAll(written),
    };
  }

  /**
   * Counts the subject dimensions of the months whose current meter rows file has none (archived
   * before the counts existed), a month per transaction, until `stopped`; returns how many it
   * counted. Run where no archive runs (the compactor's turn), since both write a month's counts.
   */
  async countMissingSubjectDims(
    conn: DuckDBConnection,
    stopped: () => boolean = () => false,
  ): Promise<number> {
    let counted = 0;
    for (const r of await readRows(conn, SELECT_MONTHS_WITHOUT_DIMS)) {
      if (stopped()) break;
      const m = this.months.get(num(r.month));
      if (!m) continue;
      const [, rows] = filesOf(this.dir, m);
      await this.gate.read(() => transaction(conn, () => countSubjectDims(conn, rows, m, false)));
      counted++;
    }
    return counted;
  }

  /** The views over the current months, with `changed` in place of their current versions. */
  private views(changed: readonly ArchivedMonth[]): string[] {
    const months = new Map(this.months);
    for (const m of changed) months.set(m.month, m);
    const sorted = [...months.values()].sort((x, y) => x.month - y.month);
    const files = sorted.map((m) => filesOf(this.dir, m));
    return compileArchiveViews({
      events: files.map(([e]) => e),
      meter_rows: files.map(([, r]) => r),
    });
  }

  private paths(): string[] {
    return this.list().flatMap((m) => filesOf(this.dir, m));
  }
}

async function transaction(conn: DuckDBConnection, body: () => Promise<void>): Promise<void> {
  await conn.run('BEGIN TRANSACTION');
  try {
    await body();
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The subject dimension counts of a month's meter rows file (subject-dims.ts); `replacing`: those
 * of the month's earlier files deleted (a new file of the month).
 */
async function countSubjectDims(
  conn: DuckDBConnection,
  file: string,
  m: ArchivedMonth,
  replacing: boolean,
): Promise<void> {
  const slots = (await readRows(conn, compileSlotsWithValues(file))).map((r) =>
    Number(String(r.col).slice(1)),
  );
  const retire = replacing ? compileSubjectDimsRetire(m.month, m.rowsGen) : [];
  for (const sql of [...retire, ...compileSubjectDimsFill(file, m.month, m.rowsGen, slots)]) {
    await conn.run(sql);
  }
}

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const [row] = await readRows(conn, sql);
  return num(row?.n);
}

/** The files and their directory entry on disk before the transaction that lists them commits. */
function syncFiles(paths: readonly string[], dir: string): void {
  for (const p of [...paths, dir]) {
    const fd = openSync(p, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function removeAll(paths: readonly string[]): void {
  for (const p of paths) rmSync(p, { force: true });
}
