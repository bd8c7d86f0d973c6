// The rollup's upkeep on the compactor's connection: merging the partial rows folds leave (in the
// range a rewrite sorts, and in the recent buckets that pile up between rewrites) and rebuilding
// the rollups a start found missing. Folds keep appending partial rows meanwhile on the writer
// connection; DuckDB's MVCC keeps both right as for the rewrites of meter_rows: rows committed
// after a transaction's snapshot are neither deleted nor copied (nor aggregated) by it, and
// appends never conflict with deletes of other rows. The writes that delete rollup rows
// elsewhere (backfill, meter deletion) take turns with these through the compactor's exclusion.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DAY_MS } from '../compaction-policy.js';
import { num, readRows } from '../row-decoding.js';
import {
  compileRebuildFor,
  compileRollupMerge,
  compileSlotDensity,
} from './compile-rollup-write.js';
import { compileHeavySubjects, compileSubjectBuild } from './compile-subject-rollup.js';
import { addPartials, type PartialsByDay } from './rollup-fold.js';
import type { RollupMeters } from './rollup-meters.js';
import { DEFAULT_SUBJECT_MIN_DAY_ROWS, MAX_SUBJECTS_PER_METER } from './subject-schema.js';

/** Partial rows a day collects before its recent buckets are merged (each compaction tick). */
export const DEFAULT_MERGE_ROWS = 20_000;

/**
 * A dimension slot whose merged rollup rows exceed this share of the meter rows they summarise is
 * dropped from the meter's rollup: reading it would save little, and it would take about as much
 * disk as the meter rows (an id-like dimension has a row per bucket and value).
 */
export const DROP_DENSITY = 1 / 8;
/** Meter rows a rewritten range must hold before its slots are judged (too few say nothing). */
export const DEFAULT_DROP_MIN_ROWS = 20_000;

export interface RollupUpkeepOptions {
  /** Partial rows a day collects before a merge of the buckets that received them. */
  mergeRows?: number;
  /** Meter rows a rewritten range must hold before its slots are judged. */
  dropMinRows?: number;
  /** Rows of one meter and subject in one UTC day that make the subject tracked. */
  subjectMinDayRows?: number;
  /** Tests only: awaited inside each merge and rebuild transaction once its snapshot is taken. */
  hold?: (work: 'merge' | 'rebuild') => Promise<void>;
}

/** The temp tables a merge (compileRollupMerge) holds its rows in until it commits. */
const MERGE_TABLES = ['rollup_merge', 'subject_rollup_merge', 'distinct_merge'] as const;

/** Drops what a failed merge left on `conn` (each drop best effort). */
export async function dropMergeTables(conn: DuckDBConnection): Promise<void> {
  for (const t of MERGE_TABLES) await conn.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
}

/** Runs one function at a time with the compactor's connection (Compactor.exclusive). */
export type Exclusive = <T>(fn: () => Promise<T>) => Promise<T>;

export class RollupUpkeep {
  /** Partial rows folds added per UTC day since that day's last merge. */
  private readonly partials: PartialsByDay = new Map();
  private readonly mergeRows: number;
  private readonly dropMinRows: number;
  private readonly subjectMinDayRows: number;
  private readonly hold: RollupUpkeepOptions['hold'];

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly meters: RollupMeters,
    opts: RollupUpkeepOptions = {},
  ) {
    this.mergeRows = opts.mergeRows ?? DEFAULT_MERGE_ROWS;
    this.dropMinRows = opts.dropMinRows ?? DEFAULT_DROP_MIN_ROWS;
    this.subjectMinDayRows = opts.subjectMinDayRows ?? DEFAULT_SUBJECT_MIN_DAY_ROWS;
    this.hold = opts.hold;
  }

  /** Partial rows a committed fold added. */
  noteFold(added: PartialsByDay): void {
    addPartials(this.partials, added);
  }

  /** Partial rows waiting for a merge, over all days. */
  waiting(): number {
    let n = 0;
    for (const p of this.partials.values()) n += p.rows;
    return n;
  }

  /**
   * The merge of buckets [from, to) to run inside a rewrite's transaction, and what to forget
   * once it committed. Called before that transaction starts, so every row counted here is in
   * its snapshot.
   */
  mergeInRewrite(from: number, to: number): { statements: string[]; committed: () => void } {
    const counted = this.counted(Math.floor(from / DAY_MS), Math.ceil(to / DAY_MS));
    return {
      statements: compileRollupMerge(from, to, this.meters.hasSubjects()),
      committed: () => this.forget(counted),
    };
  }

  /** Merges the buckets of every day whose partial rows reached the threshold, a day at a time. */
  async mergeTail(exclusive: Exclusive, stopped: () => boolean): Promise<void> {
    const due = [...this.partials.entries()].filter(([, p]) => p.rows >= this.mergeRows);
    for (const [day, p] of due) {
      if (stopped()) return;
      const from = Math.max(p.from, day * DAY_MS);
      const to = Math.min(p.to, (day + 1) * DAY_MS);
      await exclusive(async () => {
        const counted = this.counted(day, day + 1);
        await this.transaction(compileRollupMerge(from, to, this.meters.hasSubjects()), 1, 'merge');
        this.forget(counted);
      });
    }
  }

  /**
   * Rebuilds, one meter per transaction, every rollup that is not complete (a directory from
   * before rollups, or a start after running without them), and marks each ready.
   */
  async rebuildPending(exclusive: Exclusive, stopped: () => boolean): Promise<void> {
    for (const meterId of this.meters.pending()) {
      if (stopped()) return;
      await exclusive(async () => {
        // Read inside the exclusion: a redefinition of the meter takes the same turn.
        const ready =
          this.meters.distinctReady(meterId) || this.meters.readyDimensions(meterId) !== undefined;
        const { statements, rolledUp, subjects } = compileRebuildFor(this.meters, meterId);
        if (ready || !rolledUp) return;
        await this.transaction(statements, statements.length - 1, 'rebuild');
        this.meters.markReady(meterId, subjects);
      });
    }
  }

  /** Whether a subject's rows wait to be built. */
  buildsPending(): boolean {
    return this.meters.pendingSubjects().length > 0;
  }

  /**
   * Subjects that [from, to) (just rewritten) shows to be heavy and that are not tracked yet, as
   * [meter id, subject], heaviest first and at most MAX_SUBJECTS_PER_METER per meter in all.
   */
  async heavySubjects(from: number, to: number): Promise<[string, string][]> {
    const sql = compileHeavySubjects(from, to, this.meters.numericMeters(), this.subjectMinDayRows);
    if (!sql) return [];
    const out: [string, string][] = [];
    const counts = new Map<string, number>();
    for (const r of await readRows(this.conn, sql)) {
      const meterId = String(r.meter_id);
      const subject = String(r.subject);
      if (this.meters.subjectState(meterId, subject) !== undefined) continue;
      const n = counts.get(meterId) ?? this.meters.subjectsOf(meterId).length;
      if (n >= MAX_SUBJECTS_PER_METER) continue;
      counts.set(meterId, n + 1);
      out.push([meterId, subject]);
    }
    return out;
  }

  /**
   * Builds, one subject per transaction, the rows of every tracked subject not built yet, from
   * meter_rows, and marks each ready. Folds already write the subject's rows (it was tracked in
   * the writer chain before): the build replaces those its snapshot sees, as a rebuild does.
   */
  async buildSubjects(exclusive: Exclusive, stopped: () => boolean): Promise<void> {
    for (const [meterId, subject] of this.meters.pendingSubjects()) {
      if (stopped()) return;
      await exclusive(async () => {
        // Read inside the exclusion: a backfill of the meter (which rebuilds it) takes the same turn.
        const dimensions = this.meters.dimensionsOf(meterId);
        if (dimensions === undefined) return;
        if (this.meters.subjectState(meterId, subject) !== 'building') return;
        const statements = compileSubjectBuild(meterId, [subject], dimensions);
        await this.transaction(statements, 1, 'rebuild');
        this.meters.markSubjectReady(meterId, subject);
      });
    }
  }

  /**
   * The slots of a just rewritten (so merged) range whose rollup rows are too many for the meter
   * rows they summarise, and that are still kept: [meter id, slot] pairs.
   */
  async denseSlots(from: number, to: number): Promise<[string, number][]> {
    const out: [string, number][] = [];
    for (const r of await readRows(this.conn, compileSlotDensity(from, to))) {
      const meterId = String(r.meter_id);
      const slot = num(r.slot);
      const rows = num(r.meter_rows);
      if (rows < this.dropMinRows || num(r.rollup_rows) <= rows * DROP_DENSITY) continue;
      if (this.meters.dimensionsOf(meterId) === undefined) continue;
      if (!this.meters.droppedSlots(meterId).has(slot)) out.push([meterId, slot]);
    }
    return out;
  }

  /** Partial rows counted now for each of `days` (days since the epoch, [first, end)). */
  private counted(first: number, end: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const [day, p] of this.partials) if (day >= first && day < end) out.set(day, p.rows);
    return out;
  }

  /** Takes merged rows off the count; rows folds committed during the merge stay. */
  private forget(counted: ReadonlyMap<number, number>): void {
    for (const [day, rows] of counted) {
      const p = this.partials.get(day);
      if (!p) continue;
      p.rows -= rows;
      if (p.rows <= 0) this.partials.delete(day);
    }
  }

  /** `statements` in one transaction, held (tests) after the first `holdAfter` ran. */
  private async transaction(
    statements: readonly string[],
    holdAfter: number,
    work: 'merge' | 'rebuild',
  ): Promise<void> {
    const c = this.conn;
    await c.run('BEGIN TRANSACTION');
    try {
      for (const [i, sql] of statements.entries()) {
        if (i === holdAfter) await this.hold?.(work);
        await c.run(sql);
      }
      await c.run('COMMIT');
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      await dropMergeTables(c);
      throw err;
    }
  }
}
