// Runs the rewrites compaction-policy.ts asks for, on a connection of their own. A closed day is
// rewritten in place: one long transaction that deletes the day's hot meter rows and inserts them
// again sorted. A closed month moves into the archive (archive/month-archive.ts): its events and
// meter rows written sorted into Parquet files and deleted from the hot tables, in one transaction.
// Folds keep appending meanwhile on the writer connection. DuckDB's MVCC keeps both right: rows a
// fold commits after the rewrite took its snapshot are neither deleted nor copied by it (they stay,
// unsorted, and count as activity for a later rewrite), and appends never conflict with deletes
// of other rows. Deletes of meter rows by others (backfill) would conflict, and change archive
// files, so they and the rewrites take turns through `exclusive`. The rollup's upkeep
// (rollup/rollup-upkeep.ts) runs here too: a rewrite merges the rollup's partial rows of its range
// in the same transaction.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ArchivedMonth } from './archive/archive-layout.js';
import type { MonthArchive } from './archive/month-archive.js';
import {
  type Chunk,
  COMPACTED_ORDER,
  type CompactionSettings,
  chunkKey,
  DAY_MS,
  type DayActivity,
  DEFAULT_COMPACTION,
  dueChunks,
  monthBounds,
  resumedActivity,
} from './compaction-policy.js';
import type { DayCounts } from './fold-append.js';
import type { PartialsByDay } from './rollup/rollup-fold.js';
import type { RollupMeters } from './rollup/rollup-meters.js';
import { dropMergeTables, RollupUpkeep } from './rollup/rollup-upkeep.js';
import { num, readRows } from './row-decoding.js';
import { METER_ROWS_HOT } from './schema.js';
import { lit } from './sql-quote.js';
import { SerialChain } from './write-pipeline.js';

export type CompactorOptions = Partial<CompactionSettings> & {
  /** Period of the background rewrites; 0 or less: only `compactNow` rewrites. */
  intervalMs?: number;
  now?: () => number;
  /**
   * Tests only: awaited inside each rewrite and archive transaction once it has copied its range,
   * before it deletes the range and commits.
   */
  holdRewrite?: () => Promise<void>;
  /** Partial rollup rows a day collects before the next tick merges them (default 20,000). */
  rollupMergeRows?: number;
  /** Meter rows a rewritten range needs before its rollup slots are judged (default 20,000). */
  rollupDropMinRows?: number;
  /**
   * Meter rows of one meter and subject in one rewritten UTC day that make the subject tracked in
   * the rollup (default 2,000: rollup/subject-schema.ts).
   */
  subjectMinDayRows?: number;
  /** Tests only: awaited inside each rollup merge and rebuild once its snapshot is taken. */
  holdRollup?: (work: 'merge' | 'rebuild') => Promise<void>;
};

export class Compactor {
  /** Rows committed per UTC day since that day's last rewrite (see compaction-policy.ts). */
  private readonly activity = new Map<number, DayActivity>();
  /** Row count of each chunk's last rewrite, by `chunkKey` (table compacted_chunks). */
  private rewritten = new Map<string, number>();
  private readonly settings: CompactionSettings;
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private readonly holdRewrite: (() => Promise<void>) | undefined;
  /** Rewrites and the other deletes of meter rows, one at a time. */
  private readonly exclusion = new SerialChain();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private rebuilding: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly rollup: RollupUpkeep | undefined;

  constructor(
    /** The compactor's own connection: its transactions never wait for the writer's. */
    private readonly conn: DuckDBConnection,
    /** Where closed months go. */
    private readonly archive: MonthArchive,
    opts: CompactorOptions = {},
    /** The meters' rollups to keep merged and rebuilt; none when the store runs without. */
    rollupMeters?: RollupMeters,
    /**
     * Leaves a slot out of a meter's rollup (DuckDbStore: recorded in the writer chain, its rows
     * deleted once no earlier read runs). Called inside the exclusion.
     */
    private readonly dropSlot: (meterId: string, slot: number) => Promise<void> = async () => {},
    /**
     * Tracks a subject in the meter's rollup from the next fold on (DuckDbStore: recorded in the
     * writer chain); its rows are built afterwards. Called inside the exclusion.
     */
    private readonly trackSubject: (
      meterId: string,
      subject: string,
    ) => Promise<void> = async () => {},
  ) {
    const {
      intervalMs = 5_000,
      now,
      holdRewrite,
      rollupMergeRows,
      rollupDropMinRows,
      subjectMinDayRows,
      holdRollup,
      ...settings
    } = opts;
    this.settings = { ...DEFAULT_COMPACTION, ...settings };
    this.clock = now ?? Date.now;
    this.intervalMs = intervalMs;
    this.holdRewrite = holdRewrite;
    this.rollup =
      rollupMeters &&
      new RollupUpkeep(conn, rollupMeters, {
        ...(rollupMergeRows === undefined ? {} : { mergeRows: rollupMergeRows }),
        ...(rollupDropMinRows === undefined ? {} : { dropMinRows: rollupDropMinRows }),
        ...(subjectMinDayRows === undefined ? {} : { subjectMinDayRows }),
        ...(holdRollup ? { hold: holdRollup } : {}),
      });
  }

  /** Runs `fn` when no rewrite runs, and keeps rewrites off until it settled. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusion.run(fn);
  }

  /** Meter rows a committed transaction added, per UTC day. */
  noteRows(days: DayCounts): void {
    const at = this.clock();
    for (const [day, rows] of days) {
      const a = this.activity.get(day);
      if (a) {
        a.rows += rows;
        a.lastAppendAt = at;
      } else this.activity.set(day, { rows, lastAppendAt: at });
    }
  }

  /** Partial rollup rows a committed fold added, per UTC day. */
  noteRollup(partials: PartialsByDay): void {
    this.rollup?.noteFold(partials);
  }

  /** Partial rollup rows waiting for a merge (rollup-upkeep.ts). */
  rollupPartialRows(): number {
    return this.rollup?.waiting() ?? 0;
  }

  /**
   * Starts rebuilding, in the background and one meter per transaction, the rollups that are not
   * complete; the promise settles when all are (or the compactor stopped).
   */
  rebuildRollups(): Promise<void> {
    const rollup = this.rollup;
    if (!rollup) return Promise.resolve();
    const run = this.rebuilding
      .catch(() => undefined)
      .then(async () => {
        const exclusive = <T>(fn: () => Promise<T>) => this.exclusive(fn);
        await rollup.rebuildPending(exclusive, () => this.stopped);
        await rollup.buildSubjects(exclusive, () => this.stopped);
      });
    this.rebuilding = run;
    return run;
  }

  /** Rebuilds the activity from row counts against what compaction recorded when it last ran. */
  async resume(): Promise<void> {
    const pairs = async (sql: string, key: string) =>
      (await readRows(this.conn, sql)).map((r) => [r[key], num(r.rows)] as const);
    const days = new Map(
      (
        await pairs(
          `SELECT time // ${lit(DAY_MS)} AS day, count(*) AS rows FROM ${METER_ROWS_HOT} GROUP BY day`,
          'day',
        )
      ).map(([d, n]) => [num(d), n]),
    );
    const sorted = new Map(
      (await pairs('SELECT day, rows FROM compacted_days', 'day')).map(([d, n]) => [num(d), n]),
    );
    this.rewritten = new Map(
      (await pairs('SELECT chunk, rows FROM compacted_chunks', 'chunk')).map(([c, n]) => [
        String(c),
        n,
      ]),
    );
    this.activity.clear();
    for (const [day, a] of resumedActivity(days, sorted, this.rewritten)) this.activity.set(day, a);
    // A closed month whose rows are all still hot was compacted in place by a release before the
    // archive: its counts match, so nothing above marks it; it is archived as a whole.
    const closedBefore = this.clock() - this.settings.lateMs;
    for (const [day, rows] of days) {
      const [start, end] = monthBounds(day);
      if (end > closedBefore || this.archive.has(start)) continue;
      this.activity.set(day, { rows, lastAppendAt: 0 });
      this.rewritten.delete(chunkKey('month', start));
    }
  }

  /** Starts the background rewrites (unless the interval is 0). */
  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      // A failed rewrite leaves the rows as they were (unsorted but correct); the next tick retries.
      if (!this.running) this.compactNow().catch(() => undefined);
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the rewrite under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.rebuilding.catch(() => undefined);
  }

  /** Chunks that are closed and wait for a rewrite, quiet or not (0 once compaction caught up). */
  backlog(): number {
    return dueChunks(this.activity, this.rewritten, this.clock(), {
      ...this.settings,
      quietMs: 0,
    }).length;
  }

  /** Rewrites every chunk that is due now, sorted by subject; returns the chunks rewritten. */
  compactNow(): Promise<Chunk[]> {
    const before = this.running?.catch(() => undefined);
    const run = (async () => {
      await before;
      const done: Chunk[] = [];
      for (const chunk of dueChunks(this.activity, this.rewritten, this.clock(), this.settings)) {
        if (this.stopped) break;
        await this.exclusive(() => this.rewriteChunk(chunk));
        done.push(chunk);
      }
      await this.rollup?.mergeTail(
        (fn) => this.exclusive(fn),
        () => this.stopped,
      );
      // Subjects the rewrites found heavy: their rows are built now, outside the rewrites' turns.
      if (this.rollup?.buildsPending()) await this.rebuildRollups();
      return done;
    })();
    const tracked = run.finally(() => {
      if (this.running === tracked) this.running = undefined;
    });
    this.running = tracked;
    return run;
  }

  private async rewriteChunk(chunk: Chunk): Promise<void> {
    // Taken before any rewrite transaction starts (DuckDB takes the snapshot at its first
    // statement), so every row counted here is in the rewrite; rows counted later stay activity.
    const counted = new Map(chunk.days.map((d) => [d, this.activity.get(d)?.rows ?? 0]));
    if (chunk.kind === 'month') await this.archiveMonth(chunk.start, chunk.end);
    else await this.rewriteRange(chunk.start, chunk.end, chunkKey(chunk.kind, chunk.start));
    this.settle(chunk, counted);
    // The range's rollup rows are merged now: a slot with about a row per meter row goes.
    for (const [meterId, slot] of (await this.rollup?.denseSlots(chunk.start, chunk.end)) ?? []) {
      await this.dropSlot(meterId, slot);
    }
    for (const [meterId, subject] of (await this.rollup?.heavySubjects(chunk.start, chunk.end)) ??
      []) {
      await this.trackSubject(meterId, subject);
    }
  }

  /**
   * The month moved into the archive with its rollup buckets merged, in one transaction; its days'
   * sorted counts dropped (no hot rows left to compare) and its archived meter rows recorded, so
   * that late rows rewrite it again only once they are a `rewriteFraction` of it.
   */
  private async archiveMonth(from: number, to: number): Promise<void> {
    const key = chunkKey('month', from);
    const merge = this.rollup?.mergeInRewrite(from, to);
    const days = `day >= ${lit(from / DAY_MS)} AND day < ${lit(to / DAY_MS)}`;
    const bookkeeping = (m: ArchivedMonth) => [
      `DELETE FROM compacted_days WHERE ${days}`,
      `INSERT OR REPLACE INTO compacted_chunks VALUES (${lit(key)}, ${lit(m.meterRows)})`,
      ...(merge?.statements ?? []),
    ];
    let archived: ArchivedMonth;
    try {
      archived = await this.archive.archive(this.conn, from, to, bookkeeping, this.holdRewrite);
    } finally {
      await dropMergeTables(this.conn);
    }
    merge?.committed();
    this.rewritten.set(key, archived.meterRows);
  }

  /** Takes the rewritten rows off the activity; rows committed during the rewrite stay. */
  private settle(chunk: Chunk, counted: ReadonlyMap<number, number>): void {
    for (const day of chunk.days) {
      const a = this.activity.get(day);
      if (!a) continue;
      const rest = a.rows - (counted.get(day) ?? 0);
      if (rest > 0) a.rows = rest;
      else if (chunk.kind === 'month') this.activity.delete(day);
      else a.rows = 0; // sorted as a day; the month is rewritten once it closes
    }
  }

  /**
   * One transaction: the rows of [from, to) deleted and inserted again in sorted order, and the
   * day counts (and the chunk's, under `key`) recorded for the next start.
   */
  private async rewriteRange(
    from: number,
    to: number = from + DAY_MS,
    key: string = chunkKey('day', from),
  ): Promise<void> {
    const c = this.conn;
    const range = `time >= ${lit(from)} AND time < ${lit(to)}`;
    // Rollup buckets of [from, to) hold exactly the rows of [from, to): the range is whole days.
    const merge = this.rollup?.mergeInRewrite(from, to);
    await c.run('BEGIN TRANSACTION');
    let rows: number;
    try {
      await c.run(
        `CREATE TEMP TABLE compact_chunk AS SELECT * FROM ${METER_ROWS_HOT} WHERE ${range} ORDER BY ${COMPACTED_ORDER}`,
      );
      const [copied] = await readRows(c, 'SELECT count(*) AS n FROM compact_chunk');
      rows = num(copied?.n);
      // Here the snapshot is taken and the range copied: rows committed from now on must survive
      // the delete below and stay out of the copy.
      await this.holdRewrite?.();
      await c.run(`DELETE FROM ${METER_ROWS_HOT} WHERE ${range}`);
      await c.run(`INSERT INTO ${METER_ROWS_HOT} SELECT * FROM compact_chunk`);
      const days = `day >= ${lit(from / DAY_MS)} AND day < ${lit(to / DAY_MS)}`;
      await c.run(`DELETE FROM compacted_days WHERE ${days}`);
      await c.run(
        `INSERT INTO compacted_days SELECT time // ${lit(DAY_MS)} AS day, count(*) FROM compact_chunk GROUP BY day`,
      );
      await c.run(`INSERT OR REPLACE INTO compacted_chunks VALUES (${lit(key)}, ${lit(rows)})`);
      await c.run('DROP TABLE compact_chunk');
      for (const sql of merge?.statements ?? []) await c.run(sql);
      await c.run('COMMIT');
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      await c.run('DROP TABLE IF EXISTS compact_chunk').catch(() => undefined);
      await dropMergeTables(c);
      throw err;
    }
    merge?.committed();
    this.rewritten.set(key, rows);
  }
}
