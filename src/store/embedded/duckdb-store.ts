import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { UnavailableError } from '../../errors/domain-errors.js';
import { identityHash } from '../../lib/hash.js';
import type {
  Account,
  ApiKeyRecord,
  AppendResult,
  BaseUsageQuery,
  Bucketing,
  CoverageRow,
  DistinctValuesQuery,
  EventListQuery,
  FirstSeenRow,
  GroupEstimateQuery,
  IngestItem,
  MeterDefinition,
  NumericRow,
  RowWithEvent,
  Store,
  StoredEvent,
  StoreStats,
  UniqueRow,
} from '../ports.js';
import { MAX_DIMENSIONS } from '../ports.js';
import {
  type Chunk,
  COMPACTED_ORDER,
  type CompactionSettings,
  chunkKey,
  DAY_MS,
  type DayActivity,
  DEFAULT_COMPACTION,
  dueChunks,
  resumedActivity,
} from './compaction-policy.js';
import { compileEstimateGroups, limited } from './compile-estimate.js';
import { compileListEvents } from './compile-events.js';
import {
  compileCoverage,
  compileDistinctValues,
  compileFirstSeen,
  compileNumeric,
  compileUnique,
} from './compile-usage.js';
import { DedupeIndex } from './dedupe-index.js';
import { IngestLog, type LogRecord } from './ingest-log.js';
import type { IngestLogObserver, OnDamage } from './ingest-log-events.js';
import { MIGRATIONS } from './schema.js';
import { lit, litList } from './sql-quote.js';
import { subjectBucket } from './subject-bucket.js';

type Cell = unknown;

/** Events appended between yields to the event loop inside a commit. */
const YIELD_EVERY = 200;

function num(v: Cell): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

function numOrNull(v: Cell): number | null {
  return v === null || v === undefined ? null : num(v);
}

function str(v: Cell): string | null {
  return v === null || v === undefined ? null : String(v);
}

interface Job {
  items: IngestItem[];
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Acknowledged events not yet folded into DuckDB beyond which new batches wait before being
 * logged. It bounds memory and the acknowledged -> visible delay (a fold of this many events takes
 * about half a second), and turns overload into slower acknowledgements, then into the ingest
 * queue's 503, instead of an ever longer backlog.
 */
const MAX_UNAPPLIED_EVENTS = 20_000;
/** Events folded into DuckDB in one transaction at most. */
const MAX_APPLY_EVENTS = 100_000;

export interface EmbeddedStoreOptions {
  dataDir: string;
  threads?: number;
  memoryLimit?: string;
  /** WAL size that triggers a DuckDB checkpoint. */
  checkpointThreshold?: string;
  /** Background rewrite of closed days and months sorted by subject (compaction-policy.ts). */
  compaction?: Partial<CompactionSettings> & { intervalMs?: number; now?: () => number };
  /** Ingest log damage policy and reporting (ingest-log.ts, docs/operations.md). */
  ingestLog?: { onDamage?: OnDamage; observer?: IngestLogObserver };
}

/**
 * The embedded store: one DuckDB file under the data directory, single writer. Appends are made
 * durable in the ingest log (group commit, one fsync) and acknowledged; a background loop folds
 * them into DuckDB in large transactions. Reads of events and usage first wait until everything
 * acknowledged before them is folded, so an acknowledged event is always visible to the next read.
 */
export class DuckDbStore implements Store {
  readonly kind = 'embedded';
  private readonly dedupe = new DedupeIndex();
  private pending: Job[] = [];
  private flushing = false;
  private writeChain: Promise<unknown> = Promise.resolve();
  private readIndex = 0;
  private closed = false;
  /** Logged (acknowledged) records waiting to be folded into DuckDB, oldest first. */
  private unapplied: LogRecord[] = [];
  private unappliedEvents = 0;
  /** Identities of the events in `unapplied`: duplicates of these are caught before DuckDB has them. */
  private readonly unappliedIds = new Set<string>();
  private applying = false;
  private loggedSeq = 0;
  private appliedSeq = 0;
  private waiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** Set while folding fails: reads that need the unfolded events fail instead of waiting. */
  private foldError: UnavailableError | undefined;
  private foldListeners: (() => void)[] = [];
  /** Rows appended per UTC day since that day's last rewrite (see compaction-policy.ts). */
  private readonly activity = new Map<number, DayActivity>();
  /** Row count of each chunk's last rewrite, by `chunkKey` (table compacted_chunks). */
  private rewritten = new Map<string, number>();
  private compaction: CompactionSettings = DEFAULT_COMPACTION;
  private clock: () => number = Date.now;
  private compactTimer: NodeJS.Timeout | undefined;
  private compacting: Promise<unknown> | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly readers: DuckDBConnection[],
    private readonly eventAppender: DuckDBAppender,
    private readonly rowAppender: DuckDBAppender,
    private readonly file: string,
    private readonly log: IngestLog,
  ) {}

  static async open(opts: EmbeddedStoreOptions): Promise<DuckDbStore> {
    mkdirSync(opts.dataDir, { recursive: true });
    const file = join(opts.dataDir, 'tally.duckdb');
    const instance = await DuckDBInstance.create(file, {
      threads: String(opts.threads ?? 2),
      memory_limit: opts.memoryLimit ?? '1GB',
      // DuckDB compresses row groups when it checkpoints; every checkpoint leaves the row group
      // being filled in small segments. At DuckDB's 16MB default that is every ~50,000 events;
      // 256MB cut disk per event by a fifth and raised ingest by a third (docs/benchmarks.md).
      checkpoint_threshold: opts.checkpointThreshold ?? '256MB',
    });
    const writer = await instance.connect();
    await migrate(writer);
    await fillSubjectBuckets(writer);
    const [applied] = (
      await writer.runAndReadAll('SELECT applied_seq FROM ingest_state')
    ).getRows();
    const appliedSeq = num(applied?.[0] ?? 0);
    let opened: ReturnType<typeof IngestLog.open>;
    try {
      opened = IngestLog.open(join(opts.dataDir, 'ingest-log'), {
        foldedSeq: appliedSeq,
        ...opts.ingestLog,
      });
    } catch (err) {
      // A refused start must not leave the database open (it holds the file lock).
      writer.closeSync();
      instance.closeSync();
      throw err;
    }
    const { log, records } = opened;
    const readers = [await instance.connect(), await instance.connect()];
    const store = new DuckDbStore(
      instance,
      writer,
      readers,
      await writer.createAppender('events'),
      await writer.createAppender('meter_rows'),
      file,
      log,
    );
    await store.recover(records, appliedSeq);
    await store.loadDedupeIndex();
    await store.resumeCompaction();
    store.startCompaction(opts.compaction ?? {});
    return store;
  }

  /** Folds the log records DuckDB lacks (acknowledged before a crash), then empties the log. */
  private async recover(records: LogRecord[], appliedSeq: number): Promise<void> {
    this.appliedSeq = appliedSeq;
    const missing = records.filter((r) => r.seq > this.appliedSeq);
    if (missing.length > 0) await this.commitRecords(missing);
    for (const r of missing) this.appliedSeq = Math.max(this.appliedSeq, r.seq);
    this.loggedSeq = this.appliedSeq;
    this.log.restart(this.appliedSeq + 1);
  }

  private reader(): DuckDBConnection {
    this.readIndex = (this.readIndex + 1) % this.readers.length;
    return this.readers[this.readIndex] as DuckDBConnection;
  }

  private async rows(sql: string): Promise<Cell[][]> {
    const result = await this.reader().runAndReadAll(sql);
    return result.getRows() as Cell[][];
  }

  /** Reads events or meter rows: after every acknowledged event is folded into DuckDB. */
  private async dataRows(sql: string): Promise<Cell[][]> {
    await this.visible();
    return this.rows(sql);
  }

  /** Resolves once every event acknowledged so far is in DuckDB. */
  private visible(): Promise<void> {
    const seq = this.loggedSeq;
    if (this.appliedSeq >= seq) return Promise.resolve();
    if (this.foldError) return Promise.reject(this.foldError);
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  private nextFold(): Promise<void> {
    return new Promise((resolve) => this.foldListeners.push(resolve));
  }

  /** Runs `fn` with the write connection, after every write queued before it. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async loadDedupeIndex(): Promise<void> {
    const result = await this.writer.stream(
      'SELECT (key_hash >> 32)::UINTEGER AS hi, (key_hash & 4294967295)::UINTEGER AS lo FROM events',
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const hi = chunk.getColumnValues(0) as number[];
      const lo = chunk.getColumnValues(1) as number[];
      for (let i = 0; i < hi.length; i++) this.dedupe.add(hi[i] ?? 0, lo[i] ?? 0);
    }
  }

  // ---- EventWriter ----------------------------------------------------------------------------

  append(items: IngestItem[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new UnavailableError('the store is shutting down'));
    return new Promise((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flushLoop());
      }
    });
  }

  /** Group commit: every batch that arrived while the previous log write ran shares one fsync. */
  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      while (this.unappliedEvents > MAX_UNAPPLIED_EVENTS) await this.nextFold();
      const jobs = this.pending.splice(0);
      try {
        const results = await this.logJobs(jobs);
        for (const [i, job] of jobs.entries()) job.resolve(results[i] as AppendResult);
      } catch (err) {
        for (const job of jobs) job.reject(err);
      }
    }
    this.flushing = false;
  }

  /** Decides duplicates, makes the new events durable in the log and queues them for DuckDB. */
  private async logJobs(jobs: Job[]): Promise<AppendResult[]> {
    const identities = jobs.map((job) =>
      job.items.map((it) => `${it.event.accountId}\u0000${it.event.source}\u0000${it.event.id}`),
    );
    const hashes = jobs.map((job) =>
      job.items.map((it) => identityHash(it.event.accountId, it.event.source, it.event.id)),
    );
    // Ask DuckDB only about index hits that are not waiting in the log: anything that left the
    // log's queue was committed first, so the reader sees it. The waiting ones are judged now,
    // because a fold may finish (and forget them) during the lookup.
    const candidates: bigint[] = [];
    const waiting = new Set<string>();
    for (const [j, hs] of hashes.entries()) {
      for (const [i, [hi, lo]] of hs.entries()) {
        if (!this.dedupe.has(hi, lo)) continue;
        const identity = identities[j]?.[i] as string;
        if (this.unappliedIds.has(identity)) waiting.add(identity);
        else candidates.push((BigInt(hi) << 32n) | BigInt(lo));
      }
    }
    const stored = new Set<string>();
    if (candidates.length > 0) {
      const found = await this.rows(
        `SELECT account_id, source, id FROM events WHERE key_hash IN (${litList(candidates)})`,
      );
      for (const [a, s, id] of found) stored.add(`${a}\u0000${s}\u0000${id}`);
    }
    const results: AppendResult[] = [];
    const accepted: IngestItem[] = [];
    const acceptedIds: string[] = [];
    for (const [j, job] of jobs.entries()) {
      const duplicates: number[] = [];
      for (const [i, item] of job.items.entries()) {
        const identity = identities[j]?.[i] as string;
        if (stored.has(identity) || waiting.has(identity) || this.unappliedIds.has(identity)) {
          duplicates.push(i);
          continue;
        }
        const [hi, lo] = (hashes[j] as [number, number][])[i] as [number, number];
        this.dedupe.add(hi, lo);
        this.unappliedIds.add(identity);
        acceptedIds.push(identity);
        accepted.push(item);
      }
      results.push({ duplicates });
    }
    if (accepted.length === 0) return results;
    const record: LogRecord = { seq: this.loggedSeq + 1, items: accepted };
    try {
      await this.log.append(record);
    } catch (err) {
      // Not durable, so not accepted: forget the identities (the index only ever over-reports).
      for (const id of acceptedIds) this.unappliedIds.delete(id);
      throw err;
    }
    this.loggedSeq = record.seq;
    this.unapplied.push(record);
    this.unappliedEvents += accepted.length;
    if (!this.applying) {
      this.applying = true;
      setImmediate(() => void this.applyLoop());
    }
    return results;
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
        for (const it of record.items) {
          this.unappliedIds.delete(
            `${it.event.accountId}\u0000${it.event.source}\u0000${it.event.id}`,
          );
        }
      }
      this.appliedSeq = (batch[batch.length - 1] as LogRecord).seq;
      const ready = this.waiters.filter((w) => w.seq <= this.appliedSeq);
      this.waiters = this.waiters.filter((w) => w.seq > this.appliedSeq);
      for (const w of ready) w.resolve();
      for (const listener of this.foldListeners.splice(0)) listener();
      try {
        this.log.release(this.appliedSeq);
      } catch {
        // A segment that cannot be deleted now is deleted at the next start; its records are
        // folded, so replay skips them.
      }
    }
    this.applying = false;
  }

  private async commitRecords(records: LogRecord[]): Promise<void> {
    await this.writer.run('BEGIN TRANSACTION');
    try {
      let appended = 0;
      for (const record of records) {
        for (const item of record.items) {
          const e = item.event;
          this.appendEvent(e, identityHash(e.accountId, e.source, e.id));
          for (const row of item.rows) {
            this.appendRow({ ...row, time: e.time, subject: e.subject }, e.accountId);
          }
          // Appending is synchronous native work: give queued requests the event loop now and
          // then, so a large fold does not stall them for its whole duration.
          if (++appended % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        }
      }
      this.eventAppender.flushSync();
      this.rowAppender.flushSync();
      const last = (records[records.length - 1] as LogRecord).seq;
      await this.writer.run(`UPDATE ingest_state SET applied_seq = ${lit(last)}`);
      await this.writer.run('COMMIT');
    } catch (err) {
      this.eventAppender.clear();
      this.rowAppender.clear();
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private appendEvent(e: StoredEvent, [hi, lo]: [number, number]): void {
    const a = this.eventAppender;
    a.appendVarchar(e.accountId);
    a.appendUBigInt((BigInt(hi) << 32n) | BigInt(lo));
    a.appendVarchar(e.id);
    a.appendVarchar(e.source);
    a.appendVarchar(e.type);
    a.appendVarchar(e.subject);
    a.appendBigInt(BigInt(e.time));
    a.appendBigInt(BigInt(e.ingestedAt));
    a.appendVarchar(e.data);
    a.endRow();
  }

  private appendRow(row: RowWithEvent, accountId: string): void {
    const a = this.rowAppender;
    a.appendVarchar(row.meterId);
    a.appendVarchar(accountId);
    a.appendBigInt(BigInt(row.time));
    a.appendVarchar(row.subject);
    this.noteActivity(row.time);
    if (row.value === null) a.appendNull();
    else a.appendDouble(row.value);
    if (row.valueText === null) a.appendNull();
    else a.appendVarchar(row.valueText);
    for (let i = 0; i < MAX_DIMENSIONS; i++) {
      const d = row.dims[i];
      if (d === null || d === undefined) a.appendNull();
      else a.appendVarchar(d);
    }
    a.appendUSmallInt(subjectBucket(row.subject));
    a.endRow();
  }

  // ---- compaction -----------------------------------------------------------------------------

  private noteActivity(time: number): void {
    const day = Math.floor(time / DAY_MS);
    const a = this.activity.get(day);
    if (a) {
      a.rows++;
      a.lastAppendAt = this.clock();
    } else this.activity.set(day, { rows: 1, lastAppendAt: this.clock() });
  }

  /** Rebuilds the activity from row counts against what compaction recorded when it last ran. */
  private async resumeCompaction(): Promise<void> {
    const pairs = async (sql: string) =>
      (await this.writer.runAndReadAll(sql)).getRows().map((r) => [r[0], num(r[1])] as const);
    const days = new Map(
      (
        await pairs(`SELECT time // ${lit(DAY_MS)} AS day, count(*) FROM meter_rows GROUP BY day`)
      ).map(([d, n]) => [num(d), n]),
    );
    const sorted = new Map(
      (await pairs('SELECT day, rows FROM compacted_days')).map(([d, n]) => [num(d), n]),
    );
    this.rewritten = new Map(
      (await pairs('SELECT chunk, rows FROM compacted_chunks')).map(([c, n]) => [String(c), n]),
    );
    this.activity.clear();
    for (const [day, a] of resumedActivity(days, sorted, this.rewritten)) this.activity.set(day, a);
  }

  private startCompaction(
    opts: Partial<CompactionSettings> & { intervalMs?: number; now?: () => number },
  ): void {
    const { intervalMs = 5_000, now, ...settings } = opts;
    this.compaction = { ...DEFAULT_COMPACTION, ...settings };
    if (now) this.clock = now;
    if (intervalMs <= 0) return;
    this.compactTimer = setInterval(() => {
      // A failed rewrite leaves the rows as they were (unsorted but correct); the next tick retries.
      if (!this.compacting) this.compactNow().catch(() => undefined);
    }, intervalMs);
    this.compactTimer.unref();
  }

  /** Chunks that are closed and wait for a rewrite, quiet or not (0 once compaction caught up). */
  compactionBacklog(): number {
    return dueChunks(this.activity, this.rewritten, this.clock(), {
      ...this.compaction,
      quietMs: 0,
    }).length;
  }

  /** Rewrites every chunk that is due now, sorted by subject; returns the chunks rewritten. */
  compactNow(): Promise<Chunk[]> {
    const run = (async () => {
      const done: Chunk[] = [];
      for (const chunk of dueChunks(this.activity, this.rewritten, this.clock(), this.compaction)) {
        if (this.closed) break;
        await this.rewriteChunk(chunk);
        done.push(chunk);
      }
      return done;
    })();
    this.compacting = run.finally(() => {
      this.compacting = undefined;
    });
    return run;
  }

  private rewriteChunk(chunk: Chunk): Promise<void> {
    return this.serialize(async () => {
      const w = this.writer;
      if (chunk.kind === 'month') {
        const [[count]] = (
          await w.runAndReadAll(
            `SELECT count(*) FROM meter_rows WHERE time >= ${lit(chunk.start)} AND time < ${lit(chunk.end)}`,
          )
        ).getRows() as [[bigint]];
        if (num(count) > this.compaction.monthMaxRows) {
          for (const day of chunk.days) {
            if ((this.activity.get(day)?.rows ?? 0) > 0) await this.rewriteRange(w, day * DAY_MS);
          }
          await this.recordChunk(w, chunkKey('month', chunk.start), num(count));
          for (const day of chunk.days) this.activity.delete(day);
          return;
        }
      }
      await this.rewriteRange(w, chunk.start, chunk.end, chunkKey(chunk.kind, chunk.start));
      for (const day of chunk.days) {
        const a = this.activity.get(day);
        if (chunk.kind === 'month' || !a) this.activity.delete(day);
        else a.rows = 0; // sorted as a day; the month is rewritten once it closes
      }
    });
  }

  /** A chunk's row count at its rewrite, kept in memory and in compacted_chunks for the next start. */
  private async recordChunk(w: DuckDBConnection, key: string, rows: number): Promise<void> {
    await w.run(`INSERT OR REPLACE INTO compacted_chunks VALUES (${lit(key)}, ${lit(rows)})`);
    this.rewritten.set(key, rows);
  }

  /**
   * One transaction: the rows of [from, to) deleted and inserted again in sorted order, and the
   * day counts (and the chunk's, under `key`) recorded for the next start.
   */
  private async rewriteRange(
    w: DuckDBConnection,
    from: number,
    to: number = from + DAY_MS,
    key: string = chunkKey('day', from),
  ): Promise<void> {
    const range = `time >= ${lit(from)} AND time < ${lit(to)}`;
    await w.run('BEGIN TRANSACTION');
    try {
      await w.run(
        `CREATE TEMP TABLE compact_chunk AS SELECT * FROM meter_rows WHERE ${range} ORDER BY ${COMPACTED_ORDER}`,
      );
      const [deleted] = (await w.runAndReadAll(`DELETE FROM meter_rows WHERE ${range}`)).getRows();
      await w.run('INSERT INTO meter_rows SELECT * FROM compact_chunk');
      const days = `day >= ${lit(from / DAY_MS)} AND day < ${lit(to / DAY_MS)}`;
      await w.run(`DELETE FROM compacted_days WHERE ${days}`);
      await w.run(
        `INSERT INTO compacted_days SELECT time // ${lit(DAY_MS)} AS day, count(*) FROM compact_chunk GROUP BY day`,
      );
      await this.recordChunk(w, key, num(deleted?.[0]));
      await w.run('DROP TABLE compact_chunk');
      await w.run('COMMIT');
    } catch (err) {
      await w.run('ROLLBACK').catch(() => undefined);
      await w.run('DROP TABLE IF EXISTS compact_chunk').catch(() => undefined);
      throw err;
    }
  }

  // ---- EventReader ----------------------------------------------------------------------------

  async listEvents(q: EventListQuery): Promise<StoredEvent[]> {
    return (await this.dataRows(compileListEvents(q))).map(toEvent);
  }

  async scanEvents(
    accountId: string,
    eventType: string,
    onBatch: (events: StoredEvent[]) => Promise<void>,
  ): Promise<void> {
    await this.visible();
    const result = await this.reader().stream(
      `SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE account_id = ${lit(accountId)} AND type = ${lit(eventType)}`,
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      await onBatch((chunk.getRows() as Cell[][]).map(toEvent));
    }
  }

  // ---- MeterRowWriter -------------------------------------------------------------------------

  replaceMeterRows(
    meterId: string,
    accountId: string,
    produce: (emit: (rows: RowWithEvent[]) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    // Backfill scans the events table, so it must hold every event acknowledged so far; waiting
    // inside the write chain would deadlock with the fold that is queued behind it.
    return this.visible().then(() => this.serializeReplace(meterId, accountId, produce));
  }

  private serializeReplace(
    meterId: string,
    accountId: string,
    produce: (emit: (rows: RowWithEvent[]) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    return this.serialize(async () => {
      await this.writer.run('BEGIN TRANSACTION');
      try {
        await this.writer.run(`DELETE FROM meter_rows WHERE meter_id = ${lit(meterId)}`);
        await produce(async (rows) => {
          for (const row of rows) this.appendRow(row, accountId);
          this.rowAppender.flushSync();
        });
        await this.writer.run('COMMIT');
      } catch (err) {
        this.rowAppender.clear();
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  deleteMeterRows(meterId: string): Promise<void> {
    return this.serialize(async () => {
      await this.writer.run(`DELETE FROM meter_rows WHERE meter_id = ${lit(meterId)}`);
    });
  }

  // ---- UsageReader ----------------------------------------------------------------------------

  async aggregateNumeric(q: BaseUsageQuery): Promise<NumericRow[]> {
    const n = q.groupBy.length;
    return (await this.dataRows(limited(compileNumeric(q), q))).map((r) => ({
      window: num(r[0]),
      keys: r.slice(1, 1 + n).map(str),
      count: num(r[1 + n]),
      sum: numOrNull(r[2 + n]) ?? 0,
      min: numOrNull(r[3 + n]),
      max: numOrNull(r[4 + n]),
      latestTime: q.latest ? numOrNull(r[5 + n]) : null,
      latest: q.latest ? numOrNull(r[6 + n]) : null,
    }));
  }

  async aggregateUnique(q: BaseUsageQuery): Promise<UniqueRow[]> {
    const n = q.groupBy.length;
    return (await this.dataRows(limited(compileUnique(q), q))).map((r) => ({
      window: num(r[0]),
      keys: r.slice(1, 1 + n).map(str),
      uniques: num(r[1 + n]),
    }));
  }

  async uniqueFirstSeen(q: BaseUsageQuery, period: Bucketing): Promise<FirstSeenRow[]> {
    const n = q.groupBy.length;
    return (await this.dataRows(limited(compileFirstSeen(q, period), q))).map((r) => ({
      period: num(r[0]),
      window: num(r[1]),
      keys: r.slice(2, 2 + n).map(str),
      count: num(r[2 + n]),
    }));
  }

  async uniqueCoverage(q: BaseUsageQuery, span: number): Promise<CoverageRow[]> {
    const n = q.groupBy.length;
    return (await this.dataRows(limited(compileCoverage(q, span), q))).map((r) => ({
      start: num(r[0]),
      end: num(r[1]),
      keys: r.slice(2, 2 + n).map(str),
      count: num(r[2 + n]),
    }));
  }

  async distinctValues(q: DistinctValuesQuery): Promise<string[]> {
    return (await this.dataRows(compileDistinctValues(q))).map((r) => String(r[0]));
  }

  async estimateGroups(q: GroupEstimateQuery): Promise<number> {
    if (q.groupBy.length === 0) return 1;
    const [row] = await this.dataRows(compileEstimateGroups(q));
    return num(row?.[0]);
  }

  // ---- MeterRepo, AccountRepo -----------------------------------------------------------------

  async listMeters(accountId: string, includeDeleted = false): Promise<MeterDefinition[]> {
    const all = (
      await this.rows(`SELECT body FROM meters WHERE account_id = ${lit(accountId)}`)
    ).map((r) => JSON.parse(String(r[0])) as MeterDefinition);
    return all.filter((m) => includeDeleted || !m.deletedAt);
  }

  async listAllMeters(): Promise<MeterDefinition[]> {
    return (await this.rows('SELECT body FROM meters'))
      .map((r) => JSON.parse(String(r[0])) as MeterDefinition)
      .filter((m) => !m.deletedAt);
  }

  putMeter(m: MeterDefinition): Promise<void> {
    return this.serialize(async () => {
      await this.writer.run(
        `INSERT OR REPLACE INTO meters VALUES (${litList([m.id, m.accountId, JSON.stringify(m)])})`,
      );
    });
  }

  async listAccounts(): Promise<Account[]> {
    return (
      await this.rows('SELECT id, name, created_at, profiles FROM accounts ORDER BY created_at, id')
    ).map((r) => ({
      id: String(r[0]),
      name: String(r[1]),
      createdAt: String(r[2]),
      profiles: JSON.parse(String(r[3])) as string[],
    }));
  }

  putAccount(a: Account): Promise<void> {
    return this.serialize(async () => {
      await this.writer.run(
        `INSERT OR REPLACE INTO accounts VALUES (${litList([a.id, a.name, a.createdAt, JSON.stringify(a.profiles)])})`,
      );
    });
  }

  async listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    const where = accountId === undefined ? '' : ` WHERE account_id = ${lit(accountId)}`;
    return (await this.rows(`SELECT * FROM api_keys${where} ORDER BY created_at, id`)).map(toKey);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const rows = await this.rows(`SELECT * FROM api_keys WHERE hash = ${lit(hash)}`);
    return rows[0] ? toKey(rows[0]) : undefined;
  }

  putKey(k: ApiKeyRecord): Promise<void> {
    return this.serialize(async () => {
      await this.writer.run(
        `INSERT OR REPLACE INTO api_keys VALUES (${litList([k.id, k.accountId, k.kind, k.subject ?? null, k.hash, k.prefix, k.createdAt, k.revokedAt ?? null])})`,
      );
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async stats(): Promise<StoreStats> {
    const [r] = await this.dataRows(
      'SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM meter_rows)',
    );
    let bytes = this.log.size;
    for (const f of [this.file, `${this.file}.wal`]) {
      try {
        bytes += statSync(f).size;
      } catch {
        // The WAL exists only between checkpoints.
      }
    }
    return {
      events: num(r?.[0]),
      meterRows: num(r?.[1]),
      bytesOnDisk: bytes,
      compactionBacklog: this.compactionBacklog(),
    };
  }

  async ping(): Promise<void> {
    await this.rows('SELECT 1');
  }

  async writeProblem(): Promise<string | undefined> {
    const log = await this.log.writeProblem();
    if (log) return `the ingest log cannot write: ${log}`;
    return this.foldError?.message;
  }

  /** Forces a checkpoint (folds the WAL into the database file). */
  checkpoint(): Promise<void> {
    return this.serialize(async () => {
      await this.writer.run('CHECKPOINT');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.compactTimer);
    await this.compacting?.catch(() => undefined);
    while (this.flushing || this.applying) await new Promise((r) => setTimeout(r, 5));
    await this.serialize(async () => undefined);
    // Everything is folded into DuckDB now; an empty log makes the next start quick. If the disk
    // refuses even that, the folded records stay and the next start skips them.
    try {
      this.log.restart(this.appliedSeq + 1);
    } catch {
      // Left for the next start.
    }
    this.log.close();
    this.eventAppender.closeSync();
    this.rowAppender.closeSync();
    for (const c of [this.writer, ...this.readers]) c.closeSync();
    this.instance.closeSync();
  }
}

async function migrate(conn: DuckDBConnection): Promise<void> {
  await conn.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
  const done = new Set(
    (await conn.runAndReadAll('SELECT version FROM schema_migrations'))
      .getRows()
      .map((r) => Number(r[0])),
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
async function fillSubjectBuckets(conn: DuckDBConnection): Promise<void> {
  const subjects = (
    await conn.runAndReadAll('SELECT DISTINCT subject FROM meter_rows WHERE sb IS NULL')
  )
    .getRows()
    .map((r) => String(r[0]));
  for (let i = 0; i < subjects.length; i += 1000) {
    const part = subjects.slice(i, i + 1000);
    const values = part.map((s) => `(${lit(s)}, ${lit(subjectBucket(s))})`).join(', ');
    await conn.run(
      `UPDATE meter_rows SET sb = b.sb FROM (VALUES ${values}) AS b(subject, sb) WHERE meter_rows.sb IS NULL AND meter_rows.subject = b.subject`,
    );
  }
}

function toEvent(r: Cell[]): StoredEvent {
  return {
    accountId: String(r[0]),
    id: String(r[1]),
    source: String(r[2]),
    type: String(r[3]),
    subject: String(r[4]),
    time: num(r[5]),
    ingestedAt: num(r[6]),
    data: String(r[7]),
  };
}

function toKey(r: Cell[]): ApiKeyRecord {
  const k: ApiKeyRecord = {
    id: String(r[0]),
    accountId: String(r[1]),
    kind: String(r[2]) as ApiKeyRecord['kind'],
    hash: String(r[4]),
    prefix: String(r[5]),
    createdAt: String(r[6]),
  };
  if (r[3] !== null && r[3] !== undefined) k.subject = String(r[3]);
  if (r[7] !== null && r[7] !== undefined) k.revokedAt = String(r[7]);
  return k;
}
