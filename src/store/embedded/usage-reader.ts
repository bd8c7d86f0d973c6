// Reads of events and meter rows on the reader connections. Each first waits until every event
// acknowledged before it is folded into DuckDB, so an acknowledged event is visible to the next read;
// numeric reads and group estimates wait only for those they can see (unfolded-footprint.ts).
// Numeric aggregates and group estimates read the 15-minute rollup instead when it gives the same
// rows, and unique reads the daily distinct values (rollup/serves.ts decides).
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EventListQuery, StoredEvent } from '../../ingest/stored-event.js';
import type {
  BaseUsageQuery,
  Bucketing,
  CoverageRow,
  DistinctValuesQuery,
  FirstSeenRow,
  GroupEstimateQuery,
  NumericRow,
  UniqueRow,
} from '../../query/planned-query.js';
import type { EventReader, UsageReader } from '../ports.js';
import type { ReadGate } from './archive/read-gate.js';
import { compileSubjectBound } from './archive/subject-dims.js';
import { compileEstimateGroups, limited } from './compile-estimate.js';
import { compileListEvents } from './compile-events.js';
import {
  compileCoverage,
  compileDistinctValues,
  compileFirstSeen,
  compileNumeric,
  compileUnique,
  inlinable,
  requiredSubjects,
} from './compile-usage.js';
import { notVoided } from './compile-voids.js';
import {
  compileCoverageFromDistinct,
  compileFirstSeenFromDistinct,
  compileUniqueFromDistinct,
} from './rollup/compile-distinct-read.js';
import {
  compileEstimateGroupsFromRollup,
  compileNumericFromRollup,
} from './rollup/compile-rollup-read.js';
import {
  distinctServes,
  estimateSource,
  numericSource,
  type RollupSlot,
  subjectRollupSlot,
  withoutSubjectConditions,
} from './rollup/serves.js';
import {
  type Columns,
  EVENT_COLUMNS,
  num,
  type Row,
  readColumns,
  readRows,
  toCoverage,
  toEvent,
  toFirstSeen,
  toNumeric,
  toUnique,
} from './row-decoding.js';
import { lit } from './sql-quote.js';
import { type ReadScope, subjectsOf } from './unfolded-footprint.js';

export class DuckDbUsageReader implements UsageReader, EventReader {
  readonly readsRawEvents = true;
  /** Queries answered from the rollup so far (the daily distinct values included). */
  rollupReads = 0;
  /** Unique queries answered from the daily distinct values so far. */
  distinctReads = 0;
  /** Group estimates answered by the subject bound (subjectBound) so far. */
  subjectBoundReads = 0;
  /** Numeric queries and estimates answered from tracked subjects' rollup rows so far. */
  subjectRollupReads = 0;

  constructor(
    /** A reader connection (the store rotates among a few). */
    private readonly reader: () => DuckDBConnection,
    /** Every read goes through it: the archive files it may use outlive it. */
    private readonly gate: ReadGate,
    /**
     * Resolves once every event acknowledged so far is in DuckDB (with a scope: every one the
     * scope may read).
     */
    private readonly visible: (scope?: ReadScope) => Promise<void>,
    /** A meter's dimension count when its rollup is complete, else undefined (read raw rows). */
    private readonly rollupDimensions: (meterId: string) => number | undefined = () => undefined,
    /** The slots left out of a meter's rollup: queries on them read raw rows. */
    private readonly droppedSlots: (meterId: string) => ReadonlySet<number> = () => new Set(),
    /** Whether a UNIQUE_COUNT meter's daily distinct values are complete (else read raw rows). */
    private readonly distinctReady: (meterId: string) => boolean = () => false,
    /**
     * The meter's dimension count when its rollup and the per-subject rows of every one of
     * `subjects` are complete, else undefined.
     */
    private readonly subjectsReady: (
      meterId: string,
      subjects: readonly string[],
    ) => number | undefined = () => undefined,
  ) {}

  /** `sql`'s rows, after every acknowledged event is folded. */
  async dataRows(sql: string): Promise<Row[]> {
    await this.visible();
    return this.read(sql);
  }

  private read(sql: string): Promise<Row[]> {
    return this.gate.read(() => readRows(this.reader(), sql));
  }

  /** `sql`'s result by column (the usage reads: many rows, decoded column-wise). */
  private readColumns(sql: string): Promise<Columns> {
    return this.gate.read(() => readColumns(this.reader(), sql));
  }

  /** readColumns after every acknowledged event is folded. */
  private async dataColumns(sql: string): Promise<Columns> {
    await this.visible();
    return this.readColumns(sql);
  }

  async listEvents(q: EventListQuery): Promise<StoredEvent[]> {
    return (await this.dataRows(compileListEvents(q))).map(toEvent);
  }

  async scanEvents(
    accountId: string,
    eventType: string,
    onBatch: (events: StoredEvent[]) => Promise<void>,
  ): Promise<void> {
    // No wait for the fold here: a backfill scans inside replaceMeterRows, which waited for every
    // event acknowledged before it, and a fold queued behind the backfill would wait for it.
    await this.gate.read(async () => {
      const result = await this.reader().stream(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE account_id = ${lit(accountId)} AND type = ${lit(eventType)} AND ${notVoided()}`,
      );
      const names = result.deduplicatedColumnNames();
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        await onBatch(chunk.getRowObjects(names).map(toEvent));
      }
    });
  }

  async aggregateNumeric(q: BaseUsageQuery): Promise<NumericRow[]> {
    await this.visible(scopeOf(q));
    // An ad-hoc meter has no rollup: it reads the raw events.
    const source = q.source
      ? numericSource(q, undefined)
      : numericSource(q, this.rollupDimensions(q.meterId), this.droppedSlots(q.meterId));
    let sql = compileNumeric(q);
    const bySubject = source.from === 'raw' ? this.subjectSlot(q) : undefined;
    if (source.from === 'rollup') {
      sql = compileNumericFromRollup(q, source.slot);
      this.rollupReads++;
    } else if (bySubject !== undefined) {
      sql = compileNumericFromRollup(q, bySubject, 'subject');
      this.rollupReads++;
      this.subjectRollupReads++;
    }
    return toNumeric(await this.readColumns(limited(sql, q)), q.groupBy.length, q.latest === true);
  }

  async aggregateUnique(q: BaseUsageQuery): Promise<UniqueRow[]> {
    const sql = this.fromDistinct(q) ? compileUniqueFromDistinct(q) : compileUnique(q);
    return toUnique(await this.dataColumns(limited(sql, q)), q.groupBy.length);
  }

  async uniqueFirstSeen(q: BaseUsageQuery, period: Bucketing): Promise<FirstSeenRow[]> {
    const sql = this.fromDistinct(q, period)
      ? compileFirstSeenFromDistinct(q, period)
      : compileFirstSeen(q, period);
    return toFirstSeen(await this.dataColumns(limited(sql, q)), q.groupBy.length);
  }

  async uniqueCoverage(q: BaseUsageQuery, span: number): Promise<CoverageRow[]> {
    const sql = this.fromDistinct(q)
      ? compileCoverageFromDistinct(q, span)
      : compileCoverage(q, span);
    return toCoverage(await this.dataColumns(limited(sql, q)), q.groupBy.length);
  }

  /**
   * The slot of subject_rollup_15m that answers `q` (numeric, or a group estimate) when it is
   * confined to tracked subjects whose rows are complete, else undefined.
   */
  private subjectSlot(q: GroupEstimateQuery): RollupSlot | undefined {
    if (q.source) return undefined;
    const subjects = requiredSubjects(q.filter);
    if (!inlinable(subjects)) return undefined;
    const dimensions = this.subjectsReady(q.meterId, subjects);
    if (dimensions === undefined) return undefined;
    // Every slot, dropped ones too: a tracked subject's rows keep them all.
    return subjectRollupSlot(q, dimensions)?.slot;
  }

  /** Whether a unique read takes the daily distinct values (counted as a rollup read). */
  private fromDistinct(q: BaseUsageQuery, period?: Bucketing): boolean {
    const yes = !q.source && this.distinctReady(q.meterId) && distinctServes(q, period);
    if (yes) {
      this.rollupReads++;
      this.distinctReads++;
    }
    return yes;
  }

  async distinctValues(q: DistinctValuesQuery): Promise<string[]> {
    return (await this.dataRows(compileDistinctValues(q))).map((r) => String(r.v));
  }

  async estimateGroups(q: GroupEstimateQuery): Promise<number> {
    if (q.groupBy.length === 0) return 1;
    // The rollup bound below reads other subjects' rows too; unfolded ones it misses can only
    // lower an estimate that is approximate anyway.
    await this.visible(scopeOf(q));
    const fits = (bound: number | undefined): bound is number =>
      bound !== undefined && q.enough !== undefined && bound <= q.enough;
    // Tracked subjects' rows hold exactly their raw rows' key tuples: the same estimate.
    const bySubject = this.subjectSlot(q);
    if (bySubject !== undefined) {
      this.rollupReads++;
      this.subjectRollupReads++;
      const [row] = await this.read(compileEstimateGroupsFromRollup(q, bySubject, 'subject'));
      return num(row?.g);
    }
    const rollup = await this.rollupBound(q);
    if (fits(rollup)) return rollup;
    const subject = await this.subjectBound(q);
    if (fits(subject)) {
      this.subjectBoundReads++;
      return subject;
    }
    const source = q.source
      ? estimateSource(q, undefined)
      : estimateSource(q, this.rollupDimensions(q.meterId), this.droppedSlots(q.meterId));
    let sql = compileEstimateGroups(q);
    if (source.from === 'rollup') {
      sql = compileEstimateGroupsFromRollup(q, source.slot);
      this.rollupReads++;
    }
    const [row] = await this.read(sql);
    return num(row?.g);
  }

  /**
   * For a query confined to named subjects: the archived months' distinct values per subject
   * (archive/subject-dims.ts) plus an estimate over the hot rows, without reading archived rows.
   * Undefined when the query names no subjects, or a month in its range is not counted yet.
   */
  private async subjectBound(q: GroupEstimateQuery): Promise<number | undefined> {
    if (q.source || q.enough === undefined) return undefined;
    const subjects = requiredSubjects(q.filter);
    if (!inlinable(subjects)) return undefined;
    const [row] = await this.read(compileSubjectBound(q, subjects));
    if (!row || num(row.missing) > 0) return undefined;
    return num(row.archived) + num(row.hot);
  }

  /**
   * The groups of `q` without its subject conditions, from the rollup: at least as many as `q`
   * has (fewer conditions keep more rows), read from the 15-minute rows instead of the raw rows
   * a per-subject query needs. Undefined when the rollup cannot answer even that.
   */
  private async rollupBound(q: GroupEstimateQuery): Promise<number | undefined> {
    if (q.source || q.enough === undefined) return undefined;
    const wider = withoutSubjectConditions(q);
    if (!wider) return undefined;
    const source = estimateSource(
      wider,
      this.rollupDimensions(q.meterId),
      this.droppedSlots(q.meterId),
    );
    if (source.from !== 'rollup') return undefined;
    this.rollupReads++;
    const [row] = await this.read(compileEstimateGroupsFromRollup(wider, source.slot));
    return num(row?.g);
  }
}

/**
 * The meter rows a numeric read or a group estimate may see (unfolded-footprint.ts); none for a
 * read of the raw events through an ad-hoc meter, which waits for every acknowledged event.
 */
function scopeOf(q: GroupEstimateQuery): ReadScope | undefined {
  if (q.source) return undefined;
  const subjects = subjectsOf(q.filter);
  return { accountId: q.accountId, from: q.from, to: q.to, ...(subjects ? { subjects } : {}) };
}
