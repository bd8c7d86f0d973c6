// The embedded store's write path: appends are deduplicated, made durable in the ingest log
// (group commit: group-commit.ts) and acknowledged; a background loop folds them into DuckDB in large
// transactions on the writer connection. Every statement on the writer connection runs in one
// chain, so the connection's transactions never interleave.
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { UnavailableError } from '../../errors/domain-errors.js';
import type { AppendResult, IngestItem, StoredEvent } from '../../ingest/stored-event.js';
import { identityHash, identityHash64 } from '../../lib/hash.js';
import type { RowWithEvent } from '../../meter/meter-definition.js';
import type { EventVoid } from '../ports.js';
import type { MonthArchive, PendingSwap } from './archive/month-archive.js';
import type { ReadGate } from './archive/read-gate.js';
import { ColumnarAppender } from './columnar-append.js';
import { monthBounds } from './compaction-policy.js';
import {
  compileConfirm,
  compileDayKeys,
  compileStoredDays,
  type DayKey,
  eventDay,
} from './compile-dedupe.js';
import { compileInsertVoids } from './compile-voids.js';
import { DayDedupe, type KeyChunk } from './day-dedupe.js';
import { appendMeterRow, type DayCounts } from './fold-append.js';
import { type Group, GroupCommit, type Job } from './group-commit.js';
import type { IngestLog, LogRecord } from './ingest-log.js';
import { encodeRecord } from './ingest-log-record.js';
import {
  compileRebuildFor,
  compileRollupDelete,
  compileRollupDropSlot,
  compileRollupForgetDrops,
  compileRollupUnready,
} from './rollup/compile-rollup-write.js';
import { compileTrackSubject } from './rollup/compile-subject-rollup.js';
import { DistinctFold } from './rollup/distinct-fold.js';
import {
  appendDistinctRows,
  appendRollupRows,
  appendSubjectRollupRows,
} from './rollup/rollup-append.js';
import { addPartials, type PartialsByDay, RollupFold } from './rollup/rollup-fold.js';
import type { RollupMeters } from './rollup/rollup-meters.js';
import { num, readRows } from './row-decoding.js';
import { EVENTS_HOT, METER_ROWS_HOT } from './schema.js';
import { lit, litList } from './sql-quote.js';
import { StoredDays } from './stored-days.js';
import { type Footprint, footprintOf, type ReadScope, touches } from './unfolded-footprint.js';

/**
 * Acknowledged events not yet folded into DuckDB beyond which new batches wait before being
 * logged. It bounds memory and the acknowledged -> visible delay (a fold of this many events takes
 * about half a second), and turns overload into slower acknowledgements, then into the ingest
 * queue's 503, instead of an ever longer backlog.
 */
const MAX_UNAPPLIED_EVENTS = 20_000;
/**
 * A fold starts at once when this many acknowledged events wait for it, or when a read needs them;
 * otherwise FOLD_DELAY_MS after they were acknowledged. A commit costs DuckDB about as much for
 * 1,000 events as for 10,000, so gathering them halves the CPU a busy ingest spends on folds.
 */
const FOLD_MIN_EVENTS = 10_000;
const FOLD_DELAY_MS = 50;
/** Events folded into DuckDB in one transaction at most. */
const MAX_APPLY_EVENTS = 100_000;
/**
 * A tracked subject's rollup rows keep every slot: a slot is dropped for having about as many
 * rows as meter rows over all subjects, which a heavy subject's own rows do not.
 */
const NO_SLOTS: ReadonlySet<number> = new Set();
/** Events aggregated into a fold's rollup rows between yields to the event loop. */
const ROLLUP_YIELD_EVERY = 5_000;

/** Runs functions one after another, each after the previous settled (failed or not). */
export class SerialChain {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

export interface WritePipelineParts {
  writer: DuckDBConnection;
  /** Appenders of the writer connection on the hot tables of events and meter rows. */
  eventAppender: DuckDBAppender;
  rowAppender: DuckDBAppender;
  log: IngestLog;
  /** Bound on the memory of the dedupe day sets (day-dedupe.ts). */
  dedupeBudgetBytes?: number;
  /** A reader connection, for confirming candidate duplicates. */
  reader: () => DuckDBConnection;
  /** Reads of events go through it, so that archive files they may use outlive them. */
  gate: ReadGate;
  /** The archived months, from which a backfill or a meter's deletion drops the meter's rows. */
  archive: MonthArchive;
  /**
   * The rollup kept beside meter_rows: the writer's appenders on rollup_15m and distinct_1d and
   * which meters have one. Absent when the store runs without rollups.
   */
  rollup?: {
    appender: DuckDBAppender;
    distinctAppender: DuckDBAppender;
    /** The appender on subject_rollup_15m (rows of tracked subjects). */
    subjectAppender: DuckDBAppender;
    meters: RollupMeters;
  };
  /**
   * Meter rows per UTC day (and the rollup's partial rows), called after the transaction that
   * added them committed.
   */
  onCommitted: (days: DayCounts, partials?: PartialsByDay) => void;
  /** Tests only: awaited in the writer chain before each fold of logged records. */
  holdFold?: () => Promise<void>;
}

/** The last log record DuckDB folded (table ingest_state). */
export async function readAppliedSeq(conn: DuckDBConnection): Promise<number> {
  const [row] = await readRows(conn, 'SELECT applied_seq FROM ingest_state');
  return num(row?.applied_seq ?? 0);
}

export class WritePipeline {
  private readonly chain = new SerialChain();
  /** Batches on their way into the ingest log. */
  private readonly commit: GroupCommit;
  /** Logged (acknowledged) records waiting to be folded into DuckDB, oldest first. */
  private unapplied: LogRecord[] = [];
  /**
   * Per unapplied record: its events' identities as judge() made them, and what they touch, so
   * that a read waits only for the records it may see.
   */
  private readonly unappliedInfo = new WeakMap<
    LogRecord,
    { ids: readonly string[]; footprint: Footprint }
  >();
  private unappliedEvents = 0;
  /**
   * Identities (and day keys) of the events accepted and not yet folded: duplicates of these are
   * caught before DuckDB has them, and a dedupe day loaded meanwhile includes them.
   */
  private readonly unappliedIds = new Map<string, DayKey>();
  /** Which stored identities each UTC day of event time holds, for the days in use (bounded). */
  readonly dedupe: DayDedupe;
  /** Which days may hold stored events: a day that holds none loads without a scan. */
  readonly storedDays = new StoredDays();
  private applying = false;
  private foldTimer: NodeJS.Timeout | undefined;
  private loggedSeq = 0;
  private appliedSeq = 0;
  private waiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Set while folding fails: reads that need the unfolded events fail instead of waiting. */
  private foldError: UnavailableError | undefined;
  private foldListeners: (() => void)[] = [];

  /** Appends a fold's events and meter rows to the writer's appenders, a chunk of columns at a time. */
  private readonly columnar: ColumnarAppender;

  constructor(private readonly p: WritePipelineParts) {
    this.columnar = new ColumnarAppender(p.eventAppender, p.rowAppender);
    this.commit = new GroupCommit({
      judge: (jobs, previousSeq) => this.judge(jobs, previousSeq),
      appendAll: (entries) => p.log.appendAll(entries),
      loggedSeq: () => this.loggedSeq,
      logged: (group) => this.logged(group),
      refuse: (group, err) => this.refuse(group, err),
      full: () => this.unappliedEvents > MAX_UNAPPLIED_EVENTS,
      roomMade: () => this.nextFold(),
    });
    this.dedupe = new DayDedupe({
      loadDay: (day) => this.loadDay(day),
      ...(p.dedupeBudgetBytes === undefined ? {} : { budgetBytes: p.dedupeBudgetBytes }),
    });
  }

  /** Bytes the ingest log holds on disk. */
  get logBytes(): number {
    return this.p.log.size;
  }

  /** Runs `fn` with the write connection, after every write queued before it. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    return this.chain.run(fn);
  }

  /** One statement on the writer connection, in the chain. */
  write(sql: string): Promise<void> {
    return this.serialize(async () => {
      await this.p.writer.run(sql);
    });
  }

  /** Folds the log records DuckDB lacks (acknowledged before a crash), then empties the log. */
  async recover(records: LogRecord[], appliedSeq: number): Promise<void> {
    this.appliedSeq = appliedSeq;
    const missing = records.filter((r) => r.seq > this.appliedSeq);
    // Never judged by this process: their days are added here, before their transaction.
    this.storedDays.add(daysOf(missing));
    if (missing.length > 0) await this.commitRecords(missing);
    for (const r of missing) this.appliedSeq = Math.max(this.appliedSeq, r.seq);
    this.loggedSeq = this.appliedSeq;
    this.p.log.restart(this.appliedSeq + 1);
  }

  /**
   * A day's stored identities for the dedupe cache: those accepted and not yet folded, captured
   * now (a fold may commit them after the scan's snapshot), then DuckDB's rows of that day.
   */
  private loadDay(day: number): AsyncIterable<KeyChunk> | Iterable<KeyChunk> {
    const waiting = [...this.unappliedIds.values()].filter((k) => k.day === day);
    const captured = { hi: waiting.map((k) => k.hi), lo: waiting.map((k) => k.lo) };
    if (!this.storedDays.mayHold(day)) return [captured];
    const reader = this.p.reader();
    const gate = this.p.gate;
    return (async function* () {
      yield captured;
      const leave = gate.enter();
      try {
        const result = await reader.stream(compileDayKeys(day));
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          yield chunk.getColumnsObject(['hi', 'lo']) as unknown as KeyChunk;
        }
      } finally {
        leave();
      }
    })();
  }

  /**
   * Learns which days hold stored events (stored-days.ts): the hot table's days, then every day
   * of each archived month. The archive's list is read after the scan, so that a month archived
   * after the scan's snapshot was still hot in it.
   */
  async learnStoredDays(archivedMonths: () => readonly number[]): Promise<void> {
    const rows = await this.p.gate.read(() => readRows(this.p.reader(), compileStoredDays()));
    const days = rows.map((r) => num(r.day));
    for (const month of archivedMonths()) {
      const [start, end] = monthBounds(eventDay(month));
      for (let day = eventDay(start); day < eventDay(end); day++) days.push(day);
    }
    this.storedDays.learn(days);
  }

  /**
   * Resolves once every event acknowledged so far is in DuckDB; with a scope, every one the scope
   * may read (unfolded-footprint.ts).
   */
  visible(scope?: ReadScope): Promise<void> {
    const seq = scope ? this.lastSeqTouching(scope) : this.loggedSeq;
    if (this.appliedSeq >= seq) return Promise.resolve();
    if (this.foldError) return Promise.reject(this.foldError);
    this.scheduleFold(true);
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** The last unfolded record with events the scope may read (the applied one when none has). */
  private lastSeqTouching(scope: ReadScope): number {
    let seq = this.appliedSeq;
    for (const record of this.unapplied) {
      const fp = this.unappliedInfo.get(record)?.footprint;
      if (!fp || touches(fp, scope)) seq = record.seq;
    }
    return seq;
  }

  /** Why acknowledged events cannot reach DuckDB or the log cannot take more, or undefined. */
  async writeProblem(): Promise<string | undefined> {
    const log = await this.p.log.writeProblem();
    if (log) return `the ingest log cannot write: ${log}`;
    return this.foldError?.message;
  }

  append(items: IngestItem[]): Promise<AppendResult> {
    return this.commit.append(items);
  }

  /**
   * Records a correction's voids and stores its replacement events in one transaction; the
   * replacements' identities join the dedupe cache (their day may differ from the voided one's).
   * The caller waits for `visible()` first and backfills the meters afterwards.
   */
  correctEvents(
    accountId: string,
    voids: readonly EventVoid[],
    replacements: readonly StoredEvent[],
  ): Promise<void> {
    const { writer } = this.p;
    return this.serialize(async () => {
      this.storedDays.add(replacements.map((e) => eventDay(e.time)));
      await writer.run('BEGIN TRANSACTION');
      try {
        if (voids.length > 0) await writer.run(compileInsertVoids(accountId, voids));
        for (const e of replacements) {
          const key = identityHash64(e.accountId, e.source, e.id);
          await writer.run(
            `INSERT INTO ${EVENTS_HOT} VALUES (${litList([e.accountId, key, e.id, e.source, e.type, e.subject, e.time, e.ingestedAt, e.data])})`,
          );
        }
        await writer.run('COMMIT');
      } catch (err) {
        await writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
      this.dedupe.add(replacements.map((e) => dayKeyOf({ event: e, rows: [] })));
    });
  }

  /**
   * Atomically replaces a meter's rows with those `produce` emits. The caller waits for
   * `visible()` first: inside the chain it would deadlock with the fold queued behind it.
   */
  replaceMeterRows(
    meterId: string,
    accountId: string,
    produce: (emit: (rows: RowWithEvent[]) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const { writer, rowAppender, rollup } = this.p;
    return this.serialize(async () => {
      const days: DayCounts = new Map();
      // Read in the chain: a redefinition of the meter runs in it too (DuckDbStore.putMeter).
      const {
        statements: rebuild,
        rolledUp,
        subjects,
      } = rollup
        ? compileRebuildFor(rollup.meters, meterId)
        : { statements: compileRollupDelete(meterId), rolledUp: false, subjects: [] };
      try {
        await this.withoutMeterRows(meterId, async () => {
          await produce(async (rows) => {
            for (const row of rows) appendMeterRow(rowAppender, row, accountId, days);
            rowAppender.flushSync();
          });
          // The rollup from the rows just written, complete in the same commit.
          for (const sql of rebuild) await writer.run(sql);
        });
      } catch (err) {
        rowAppender.clear();
        throw err;
      }
      if (rolledUp) rollup?.meters.markReady(meterId, subjects);
      this.p.onCommitted(days);
    });
  }

  /** A meter's rows, archived ones included, and its rollup deleted in one transaction. */
  deleteMeterRows(meterId: string): Promise<void> {
    this.p.rollup?.meters.unready(meterId);
    return this.serialize(() =>
      this.withoutMeterRows(meterId, async () => {
        for (const sql of [...compileRollupDelete(meterId), compileRollupForgetDrops(meterId)]) {
          await this.p.writer.run(sql);
        }
      }),
    );
  }

  /**
   * One transaction on the writer (call it in the chain) that deletes every row of the meter, the
   * hot ones and those in archive files (new files without them), then runs `body`; the archive's
   * file swap settles with its commit or rollback.
   */
  private async withoutMeterRows(meterId: string, body: () => Promise<void>): Promise<void> {
    const { writer, archive } = this.p;
    let swap: PendingSwap | undefined;
    await writer.run('BEGIN TRANSACTION');
    try {
      await writer.run(`DELETE FROM ${METER_ROWS_HOT} WHERE meter_id = ${lit(meterId)}`);
      swap = await archive.dropMeter(writer, meterId);
      await body();
      await writer.run('COMMIT');
    } catch (err) {
      await writer.run('ROLLBACK').catch(() => undefined);
      swap?.abandoned();
      throw err;
    }
    swap.committed();
  }

  /**
   * Stores a meter definition change that alters its rollup: `apply` (the in-memory change) runs
   * in the chain, so every fold before it wrote the old slots and every fold after the new, and
   * the rollup is no longer complete until rebuilt (backfill, or the next start).
   */
  redefineRollup(meterId: string, apply: () => void): Promise<void> {
    return this.serialize(async () => {
      apply();
      await this.p.writer.run(compileRollupUnready(meterId));
      await this.p.writer.run(compileRollupForgetDrops(meterId));
    });
  }

  /**
   * Leaves a slot out of a meter's rollup: recorded, then (in the chain, so every fold before it
   * wrote the slot and every fold after it does not) no longer written by folds nor read by
   * queries. Its rows stay until the caller deletes them, once no earlier read can use them.
   */
  dropRollupSlot(meterId: string, slot: number): Promise<void> {
    const rollup = this.p.rollup;
    if (!rollup) return Promise.resolve();
    return this.serialize(async () => {
      await this.p.writer.run(compileRollupDropSlot(meterId, slot));
      rollup.meters.drop(meterId, slot);
    });
  }

  /**
   * Tracks a subject of a numeric meter: recorded, then (in the chain, so every fold after it
   * writes the subject's rows) added to what folds write. Its rows are built apart (rollup-upkeep.ts).
   */
  trackSubject(meterId: string, subject: string): Promise<void> {
    const rollup = this.p.rollup;
    if (!rollup) return Promise.resolve();
    return this.serialize(async () => {
      const { meters } = rollup;
      if (meters.dimensionsOf(meterId) === undefined) return;
      if (meters.subjectState(meterId, subject) !== undefined) return;
      await this.p.writer.run(compileTrackSubject(meterId, subject));
      rollup.meters.trackSubject(meterId, subject);
    });
  }

  /** Waits until every accepted batch is logged and folded and the writer chain is idle. */
  async drain(): Promise<void> {
    while (this.commit.busy || this.applying || this.unapplied.length > 0) {
      this.scheduleFold(true);
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.serialize(async () => undefined);
  }

  /** After `drain`: empties the log (everything is folded) and closes it and the appenders. */
  close(): void {
    // An empty log makes the next start quick. If the disk refuses even that, the folded records
    // stay and the next start skips them.
    try {
      this.p.log.restart(this.appliedSeq + 1);
    } catch {
      // Left for the next start.
    }
    this.p.log.close();
    this.p.eventAppender.closeSync();
    this.p.rowAppender.closeSync();
    this.p.rollup?.appender.closeSync();
    this.p.rollup?.distinctAppender.closeSync();
    this.p.rollup?.subjectAppender.closeSync();
  }

  private nextFold(): Promise<void> {
    return new Promise((resolve) => this.foldListeners.push(resolve));
  }

  /**
   * Decides duplicates and registers the new events as accepted (their identities join the
   * waiting set), then encodes the log record that will hold them, next after `previousSeq`.
   */
  private async judge(jobs: Job[], previousSeq: number): Promise<Group> {
    const identities = jobs.map((job) => job.items.map((it) => identityOf(it)));
    const keys = jobs.map((job) => job.items.map((it) => dayKeyOf(it)));
    const verdicts = await this.dedupe.candidates(keys.flat());
    // Ask DuckDB only about candidates that are not waiting in the log: anything that left the
    // log's queue was committed first, so the reader sees it. The waiting ones are judged now,
    // because a fold may finish (and forget them) during the lookup.
    const candidates: DayKey[] = [];
    const waiting = new Set<string>();
    let k = 0;
    for (const [j, ks] of keys.entries()) {
      for (const [i, key] of ks.entries()) {
        if (verdicts[k++] === 'new') continue;
        const identity = identities[j]?.[i] as string;
        if (this.unappliedIds.has(identity)) waiting.add(identity);
        else candidates.push(key);
      }
    }
    const stored = new Set<string>();
    const confirm = compileConfirm(candidates);
    if (confirm) {
      const rows = await this.p.gate.read(() => readRows(this.p.reader(), confirm));
      for (const r of rows) {
        stored.add(`${r.account_id}\u0000${r.source}\u0000${r.id}`);
      }
    }
    const results: AppendResult[] = [];
    const accepted: IngestItem[] = [];
    const acceptedIds: string[] = [];
    const acceptedKeys: DayKey[] = [];
    for (const [j, job] of jobs.entries()) {
      const duplicates: number[] = [];
      for (const [i, item] of job.items.entries()) {
        const identity = identities[j]?.[i] as string;
        if (stored.has(identity) || waiting.has(identity) || this.unappliedIds.has(identity)) {
          duplicates.push(i);
          continue;
        }
        const key = keys[j]?.[i] as DayKey;
        this.unappliedIds.set(identity, key);
        acceptedIds.push(identity);
        acceptedKeys.push(key);
        accepted.push(item);
      }
      results.push({ duplicates });
    }
    this.dedupe.add(acceptedKeys);
    // Before the fold's transaction, as stored-days.ts requires.
    this.storedDays.add(acceptedKeys.map((k) => k.day));
    if (accepted.length === 0) return { jobs, results, acceptedIds };
    const record: LogRecord = { seq: previousSeq + 1, items: accepted };
    return { jobs, results, acceptedIds, record, encoded: encodeRecord(record) };
  }

  /** The group's events are durable: acknowledged, and queued for DuckDB. */
  private logged(group: Group): void {
    const { record } = group;
    if (record) {
      this.loggedSeq = record.seq;
      this.unapplied.push(record);
      this.unappliedInfo.set(record, {
        ids: group.acceptedIds,
        footprint: footprintOf(record.items),
      });
      this.unappliedEvents += record.items.length;
      this.scheduleFold(false);
    }
    for (const [i, job] of group.jobs.entries()) job.resolve(group.results[i] as AppendResult);
  }

  /** Not durable, so not accepted: forget the identities (the index only ever over-reports). */
  private refuse(group: Group, err: unknown): void {
    for (const id of group.acceptedIds) this.unappliedIds.delete(id);
    for (const job of group.jobs) job.reject(err);
  }

  /** Starts the fold loop now (`now`, or enough events wait) or arms the fold timer. */
  private scheduleFold(now: boolean): void {
    if (this.applying) return;
    if (!now && this.unappliedEvents < FOLD_MIN_EVENTS) {
      if (!this.foldTimer) {
        this.foldTimer = setTimeout(() => {
          this.foldTimer = undefined;
          this.scheduleFold(true);
        }, FOLD_DELAY_MS);
        this.foldTimer.unref();
      }
      return;
    }
    clearTimeout(this.foldTimer);
    this.foldTimer = undefined;
    if (this.unapplied.length === 0) return;
    this.applying = true;
    setImmediate(() => void this.applyLoop());
  }

  /** Folds logged records into DuckDB, as many as have gathered, in one transaction each round. */
  private async applyLoop(): Promise<void> {
    while (this.unapplied.length > 0) {
      let take = 0;
      let events = 0;
      while (take < this.unapplied.length && (take === 0 || events < MAX_APPLY_EVENTS)) {
        events += (this.unapplied[take] as LogRecord).items.length;
        take++;
      }
      const batch = this.unapplied.slice(0, take);
      try {
        await this.serialize(() => this.commitRecords(batch));
        this.foldError = undefined;
      } catch (err) {
        // The events are durable in the log; try again shortly (e.g. after disk space is freed).
        // Meanwhile reads that need them fail with a clear error rather than hang.
        this.foldError = new UnavailableError(
          `acknowledged events cannot be written to DuckDB yet: ${err instanceof Error ? err.message : String(err)}`,
          1,
        );
        for (const w of this.waiters.splice(0)) w.reject(this.foldError);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      this.unapplied.splice(0, take);
      this.unappliedEvents -= events;
      for (const record of batch) {
        const ids = this.unappliedInfo.get(record)?.ids ?? record.items.map(identityOf);
        for (const id of ids) this.unappliedIds.delete(id);
      }
      this.appliedSeq = (batch[batch.length - 1] as LogRecord).seq;
      const ready = this.waiters.filter((w) => w.seq <= this.appliedSeq);
      this.waiters = this.waiters.filter((w) => w.seq > this.appliedSeq);
      for (const w of ready) w.resolve();
      for (const listener of this.foldListeners.splice(0)) listener();
      try {
        this.p.log.release(this.appliedSeq);
      } catch {
        // A segment that cannot be deleted now is deleted at the next start; its records are
        // folded, so replay skips them.
      }
    }
    this.applying = false;
  }

  /**
   * One fold: the records' events and meter rows, their rollup rows and the last seq, in one
   * transaction.
   */
  private async commitRecords(records: LogRecord[]): Promise<void> {
    const { writer, eventAppender, rowAppender, rollup } = this.p;
    const days: DayCounts = new Map();
    await this.p.holdFold?.();
    const folded = rollup && (await foldRollup(records, rollup.meters));
    await writer.run('BEGIN TRANSACTION');
    try {
      await this.columnar.appendRecords(records, days);
      eventAppender.flushSync();
      rowAppender.flushSync();
      if (rollup && folded) {
        await appendRollupRows(rollup.appender, folded.numeric.rows());
        rollup.appender.flushSync();
        await appendDistinctRows(rollup.distinctAppender, folded.distinct.rows());
        rollup.distinctAppender.flushSync();
        if (folded.subjects) {
          await appendSubjectRollupRows(rollup.subjectAppender, folded.subjects.rows());
          rollup.subjectAppender.flushSync();
        }
      }
      const last = (records[records.length - 1] as LogRecord).seq;
      await writer.run(`UPDATE ingest_state SET applied_seq = ${lit(last)}`);
      await writer.run('COMMIT');
    } catch (err) {
      this.columnar.discard();
      eventAppender.clear();
      rowAppender.clear();
      rollup?.appender.clear();
      rollup?.distinctAppender.clear();
      rollup?.subjectAppender.clear();
      await writer.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
    // Counted once committed: a rewrite that starts later sees these rows (compactor.ts).
    this.p.onCommitted(
      days,
      folded &&
        addPartials(
          addPartials(folded.numeric.partials(), folded.distinct.partials()),
          folded.subjects?.partials() ?? new Map(),
        ),
    );
  }
}

/**
 * The rollup rows of `records`' meter rows, aggregated in memory (rollup-fold.ts), and their
 * daily distinct values (distinct-fold.ts). Runs in the chain, so the meters' slots cannot change
 * under it (redefineRollup).
 */
async function foldRollup(
  records: readonly LogRecord[],
  meters: RollupMeters,
): Promise<{ numeric: RollupFold; distinct: DistinctFold; subjects: RollupFold | undefined }> {
  const numeric = new RollupFold(meters.dimensionsOf, meters.droppedSlots);
  const distinct = new DistinctFold(meters.distinctOf);
  const subjects = meters.hasSubjects()
    ? new RollupFold(meters.subjectDimensionsOf, () => NO_SLOTS, true)
    : undefined;
  let n = 0;
  for (const record of records) {
    for (const { event, rows } of record.items) {
      numeric.add(event.accountId, event.time, rows);
      distinct.add(event.accountId, event.time, rows);
      subjects?.add(event.accountId, event.time, rows, event.subject);
      if (++n % ROLLUP_YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
  }
  return { numeric, distinct, subjects };
}

/** The UTC days of the records' events. */
function daysOf(records: readonly LogRecord[]): Set<number> {
  const days = new Set<number>();
  for (const record of records) {
    for (const it of record.items) days.add(eventDay(it.event.time));
  }
  return days;
}

function dayKeyOf(it: IngestItem): DayKey {
  const [hi, lo] = identityHash(it.event.accountId, it.event.source, it.event.id);
  return { day: eventDay(it.event.time), hi, lo };
}

function identityOf(it: IngestItem): string {
  return `${it.event.accountId}\u0000${it.event.source}\u0000${it.event.id}`;
}
