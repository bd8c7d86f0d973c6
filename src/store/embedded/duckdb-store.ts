import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Account, ApiKeyRecord } from '../../auth/account-and-key.js';
import { ConflictError, UnavailableError } from '../../errors/domain-errors.js';
import type {
  AppendResult,
  EventListQuery,
  IngestItem,
  StoredEvent,
} from '../../ingest/stored-event.js';
import type { MeterDefinition, RowWithEvent } from '../../meter/meter-definition.js';
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
import type {
  BackupInfo,
  EventVoid,
  RecordCollection,
  Store,
  StoredRecord,
  StoreStats,
} from '../ports.js';
import type { ArchivedMonth } from './archive/archive-layout.js';
import { MonthArchive } from './archive/month-archive.js';
import { ReadGate } from './archive/read-gate.js';
import { copyBackup, writeBackup } from './backup.js';
import type { Chunk } from './compaction-policy.js';
import { Compactor, type CompactorOptions } from './compactor.js';
import type { DayDedupeStats } from './day-dedupe.js';
import { IngestLog, type IngestLogOptions } from './ingest-log.js';
import { MetadataRepo } from './metadata-repo.js';
import { fillSubjectBuckets, migrate } from './migrate.js';
import { RecordRepo } from './record-repo.js';
import {
  compileRollupDeleteSlot,
  ROLLUP_DROPPED_LEFTOVERS,
  ROLLUP_RESET,
} from './rollup/compile-rollup-write.js';
import { RollupMeters } from './rollup/rollup-meters.js';
import { num, readRows } from './row-decoding.js';
import { EVENTS_HOT, METER_ROWS_HOT } from './schema.js';
import {
  DEFAULT_SHRINK,
  SHRINK_SUFFIX,
  type ShrinkLimits,
  type ShrinkResult,
  shrinkDatabaseFile,
} from './shrink-file.js';
import { DuckDbUsageReader } from './usage-reader.js';
import { readAppliedSeq, WritePipeline } from './write-pipeline.js';

export interface EmbeddedStoreOptions {
  dataDir: string;
  threads?: number;
  memoryLimit?: string;
  /** WAL size that triggers a DuckDB checkpoint. */
  checkpointThreshold?: string;
  /** Background rewrite of closed days and months sorted by subject (compactor.ts). */
  compaction?: CompactorOptions;
  /** Ingest log damage policy and reporting (ingest-log.ts, docs/operations.md). */
  ingestLog?: Pick<IngestLogOptions, 'onDamage' | 'observer' | 'holdAppend'>;
  /** Tests only: awaited in the writer chain before each fold of acknowledged events. */
  holdFold?: () => Promise<void>;
  /**
   * At a graceful stop, copy the database into a compact file when most of it is free space
   * (shrink-file.ts): false never, limits of its own (tests), or the defaults.
   */
  shrinkOnClose?: boolean | ShrinkLimits;
  /** Memory bound of the dedupe cache of recent days' identities (default 64 MiB). */
  dedupeBudgetBytes?: number;
  /**
   * Keep the 15-minute rollup of numeric meters and answer the queries it serves from it
   * (default true; rollup/schema.ts). Off: no rollup rows are written or read, and those left
   * are dropped, so that a later start with rollups rebuilds them from the raw rows.
   */
  rollups?: boolean;
}

/** The rollup as the store reports it (tests, diagnostics). */
export interface RollupStats {
  enabled: boolean;
  /** Meters whose rollup is complete and answers the queries it serves. */
  ready: string[];
  /** Dimension slots left out of meters' rollups, as `meterId:slot`. */
  droppedSlots: string[];
  /** Meters whose rollup is not complete yet (rebuilt in the background or by backfill). */
  pending: string[];
  /** Queries answered from the rollup since the store opened. */
  reads: number;
  /** Of those, unique queries answered from the daily distinct values. */
  distinctReads: number;
  /** Tracked subjects as `meterId:subject`, with " (building)" until their rows are complete. */
  subjects: string[];
  /** Of the reads, per-subject queries and estimates answered from tracked subjects' rows. */
  subjectReads: number;
  /** Partial rollup rows folds added since the last merge of their day (as counted in memory). */
  partialRows: number;
}

interface Connections {
  instance: DuckDBInstance;
  writer: DuckDBConnection;
  compactor: DuckDBConnection;
  readers: DuckDBConnection[];
}

/**
 * The embedded store: one DuckDB file under the data directory. It wires its parts and delegates:
 * the write pipeline (ingest log, dedupe, fold into DuckDB, the one writer connection), the
 * compactor (sorted rewrites, and the rollup's merges and rebuilds, on a connection of its own),
 * the usage reader and the metadata repo (on reader connections). Which meters have a complete
 * 15-minute rollup (rollup/rollup-meters.ts) changes only inside the compactor's exclusion and
 * the writer chain. Lock order: the compactor's exclusion, then the writer chain.
 */
export class DuckDbStore implements Store {
  readonly readsRawEvents = true;
  readonly kind = 'embedded';
  private closed = false;
  private shrinkLimits: ShrinkLimits | undefined = DEFAULT_SHRINK;
  /** What the last close did to the database file (tests, diagnostics). */
  shrunk: ShrinkResult | undefined;
  private readonly usage: DuckDbUsageReader;
  private readonly meta: MetadataRepo;
  private readonly records: RecordRepo;
  /** Settles when the rollups found missing at start are rebuilt. */
  private rebuilt: Promise<void> = Promise.resolve();
  /** Settles when the dedupe knows which days hold stored events (or could not learn it). */
  private learnedDays: Promise<void> = Promise.resolve();
  /** Settles when archived months from before their subject dimension counts are counted. */
  private dimsCounted: Promise<number> = Promise.resolve(0);
  /** The backup under way (one at a time) and its connection, interrupted by close(). */
  private backingUp: { interrupt: () => void; done: Promise<unknown> } | undefined;

  private constructor(
    private readonly conns: Connections,
    private readonly file: string,
    private readonly pipeline: WritePipeline,
    private readonly compactor: Compactor,
    private readonly reader: () => DuckDBConnection,
    /** Which meters have a rollup and which are complete; undefined without rollups. */
    private readonly rollups: RollupMeters | undefined,
    private readonly archive: MonthArchive,
    private readonly gate: ReadGate,
  ) {
    this.usage = new DuckDbUsageReader(
      reader,
      gate,
      (scope) => pipeline.visible(scope),
      (meterId) => rollups?.readyDimensions(meterId),
      (meterId) => rollups?.droppedSlots(meterId) ?? new Set(),
      (meterId) => rollups?.distinctReady(meterId) === true,
      (meterId, subjects) => rollups?.subjectsReadyDimensions(meterId, subjects),
    );
    this.meta = new MetadataRepo(
      (sql) => readRows(reader(), sql),
      (sql) => pipeline.write(sql),
    );
    this.records = new RecordRepo(
      (sql) => readRows(reader(), sql),
      (sql) => pipeline.write(sql),
    );
  }

  static async open(opts: EmbeddedStoreOptions): Promise<DuckDbStore> {
    mkdirSync(opts.dataDir, { recursive: true });
    const file = join(opts.dataDir, 'tally.duckdb');
    // A compact copy a stop did not finish: the file it was made from is whole.
    rmSync(`${file}${SHRINK_SUFFIX}`, { force: true });
    const instance = await DuckDBInstance.create(file, {
      threads: String(opts.threads ?? 2),
      // 512MB, not 1GB: at 10 M events the quieter A/B measured the same ingest, dashboard and
      // monthly-active figures, and 400 MB less peak RSS (docs/benchmarks.md).
      memory_limit: opts.memoryLimit ?? '512MB',
      // DuckDB compresses row groups when it checkpoints; every checkpoint leaves the row group
      // being filled in small segments. At DuckDB's 16MB default that is every ~50,000 events;
      // 256MB cut disk per event by a fifth and raised ingest by a third (docs/benchmarks.md).
      checkpoint_threshold: opts.checkpointThreshold ?? '256MB',
    });
    const writer = await instance.connect();
    // Every read of the views opens the archive files' footers: keep them decoded in memory.
    // (Parquet is linked into DuckDB's library; the setting exists once a connection loaded it.)
    await writer.run('SET GLOBAL parquet_metadata_cache = true');
    await migrate(writer);
    await fillSubjectBuckets(writer);
    const gate = new ReadGate();
    let archive: MonthArchive;
    try {
      archive = await MonthArchive.open(writer, opts.dataDir, gate);
    } catch (err) {
      writer.closeSync();
      instance.closeSync();
      throw err;
    }
    const appliedSeq = await readAppliedSeq(writer);
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
    const conns: Connections = {
      instance,
      writer,
      compactor: await instance.connect(),
      readers: [await instance.connect(), await instance.connect()],
    };
    const reader = rotation(conns.readers);
    const rollups = opts.rollups === false ? undefined : new RollupMeters();
    if (rollups) {
      const ready = await readRows(writer, 'SELECT DISTINCT meter_id FROM rollup_ready');
      const meters = await readRows(writer, 'SELECT body FROM meters');
      const dropped = await readRows(writer, 'SELECT meter_id, slot FROM rollup_dropped_slots');
      const subjects = await readRows(
        writer,
        'SELECT meter_id, subject, ready FROM rollup_subjects',
      );
      rollups.load(
        meters.map((r) => JSON.parse(String(r.body)) as MeterDefinition),
        ready.map((r) => String(r.meter_id)),
        dropped.map((r) => [String(r.meter_id), num(r.slot)] as const),
        subjects.map((r) => [String(r.meter_id), String(r.subject), r.ready === true] as const),
      );
      // Rows of slots dropped just before a stop, whose delete did not run.
      await writer.run(ROLLUP_DROPPED_LEFTOVERS);
    } else {
      await writer.run('BEGIN TRANSACTION');
      for (const sql of ROLLUP_RESET) await writer.run(sql);
      await writer.run('COMMIT');
    }
    // The pipeline is made below; a drop runs only once the store is open.
    let dropSlot = async (_meterId: string, _slot: number): Promise<void> => {};
    let trackSubject = async (_meterId: string, _subject: string): Promise<void> => {};
    const compactor = new Compactor(
      conns.compactor,
      archive,
      opts.compaction,
      rollups,
      (m, s) => dropSlot(m, s),
      (m, s) => trackSubject(m, s),
    );
    const pipeline = new WritePipeline({
      writer,
      eventAppender: await writer.createAppender(EVENTS_HOT),
      rowAppender: await writer.createAppender(METER_ROWS_HOT),
      gate,
      archive,
      log,
      ...(opts.dedupeBudgetBytes === undefined
        ? {}
        : { dedupeBudgetBytes: opts.dedupeBudgetBytes }),
      reader,
      ...(rollups
        ? {
            rollup: {
              appender: await writer.createAppender('rollup_15m'),
              distinctAppender: await writer.createAppender('distinct_1d'),
              subjectAppender: await writer.createAppender('subject_rollup_15m'),
              meters: rollups,
            },
          }
        : {}),
      ...(opts.holdFold ? { holdFold: opts.holdFold } : {}),
      onCommitted: (days, partials) => {
        compactor.noteRows(days);
        if (partials) compactor.noteRollup(partials);
      },
    });
    const store = new DuckDbStore(conns, file, pipeline, compactor, reader, rollups, archive, gate);
    const shrink = opts.shrinkOnClose ?? true;
    store.shrinkLimits = shrink === true ? DEFAULT_SHRINK : shrink === false ? undefined : shrink;
    dropSlot = async (meterId, slot) => {
      await pipeline.dropRollupSlot(meterId, slot);
      // Deleted in the compactor's turn (merges delete rollup rows too), once no read that may
      // have chosen the slot before the drop runs; a failure leaves rows the next start deletes.
      gate.afterEarlierReads(() => {
        compactor
          .exclusive(() => pipeline.write(compileRollupDeleteSlot(meterId, slot)))
          .catch(() => undefined);
      });
    };
    trackSubject = (meterId, subject) => pipeline.trackSubject(meterId, subject);
    await pipeline.recover(records, appliedSeq);
    // Until it is in, every day the dedupe loads is scanned.
    store.learnedDays = pipeline
      .learnStoredDays(() => archive.list().map((m) => m.month))
      .catch(() => undefined);
    await compactor.resume();
    // Until a month is counted, per-subject estimates over it read its rows (archive/subject-dims.ts).
    store.dimsCounted = compactor
      .exclusive(() => archive.countMissingSubjectDims(conns.compactor, () => store.closed))
      .catch(() => 0);
    compactor.start();
    // A rollup that fails to rebuild stays unread (raw rows answer); the next start retries.
    store.rebuilt = compactor.rebuildRollups().catch(() => undefined);
    return store;
  }

  // ---- EventWriter, EventReader ---------------------------------------------------------------

  append(items: IngestItem[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new UnavailableError('the store is shutting down'));
    return this.pipeline.append(items);
  }

  listEvents(q: EventListQuery): Promise<StoredEvent[]> {
    return this.usage.listEvents(q);
  }

  scanEvents(
    accountId: string,
    eventType: string,
    onBatch: (events: StoredEvent[]) => Promise<void>,
  ): Promise<void> {
    return this.usage.scanEvents(accountId, eventType, onBatch);
  }

  // ---- MeterRowWriter: deletes of meter rows take turns with rewrites ------------------------

  replaceMeterRows(
    meterId: string,
    accountId: string,
    produce: (emit: (rows: RowWithEvent[]) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    // Backfill scans the events table, so it must hold every event acknowledged so far; waiting
    // inside the write chain would deadlock with the fold that is queued behind it.
    return this.pipeline
      .visible()
      .then(() =>
        this.compactor.exclusive(() => this.pipeline.replaceMeterRows(meterId, accountId, produce)),
      );
  }

  deleteMeterRows(meterId: string): Promise<void> {
    return this.compactor.exclusive(() => this.pipeline.deleteMeterRows(meterId));
  }

  // ---- UsageReader ----------------------------------------------------------------------------

  aggregateNumeric(q: BaseUsageQuery): Promise<NumericRow[]> {
    return this.usage.aggregateNumeric(q);
  }

  aggregateUnique(q: BaseUsageQuery): Promise<UniqueRow[]> {
    return this.usage.aggregateUnique(q);
  }

  uniqueFirstSeen(q: BaseUsageQuery, period: Bucketing): Promise<FirstSeenRow[]> {
    return this.usage.uniqueFirstSeen(q, period);
  }

  uniqueCoverage(q: BaseUsageQuery, span: number): Promise<CoverageRow[]> {
    return this.usage.uniqueCoverage(q, span);
  }

  distinctValues(q: DistinctValuesQuery): Promise<string[]> {
    return this.usage.distinctValues(q);
  }

  estimateGroups(q: GroupEstimateQuery): Promise<number> {
    return this.usage.estimateGroups(q);
  }

  // ---- MeterRepo, AccountRepo -----------------------------------------------------------------

  listMeters(accountId: string, includeDeleted = false): Promise<MeterDefinition[]> {
    return this.meta.listMeters(accountId, includeDeleted);
  }

  listAllMeters(): Promise<MeterDefinition[]> {
    return this.meta.listAllMeters();
  }

  async putMeter(m: MeterDefinition): Promise<void> {
    const rollups = this.rollups;
    if (!rollups?.affects(m)) return this.meta.putMeter(m);
    // Created, deleted or given another number of dimensions: its rollup rows change shape. In
    // the compactor's exclusion no rebuild runs meanwhile (it would read the old shape).
    await this.compactor.exclusive(async () => {
      await this.pipeline.redefineRollup(m.id, () => rollups.put(m));
      await this.meta.putMeter(m);
    });
  }

  listAccounts(): Promise<Account[]> {
    return this.meta.listAccounts();
  }

  putAccount(a: Account): Promise<void> {
    return this.meta.putAccount(a);
  }

  listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    return this.meta.listKeys(accountId);
  }

  findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.meta.findKeyByHash(hash);
  }

  putKey(k: ApiKeyRecord): Promise<void> {
    return this.meta.putKey(k);
  }

  async correctEvents(
    accountId: string,
    voids: EventVoid[],
    replacements: StoredEvent[],
  ): Promise<void> {
    if (this.closed) throw new UnavailableError('the store is shutting down');
    await this.pipeline.visible();
    await this.pipeline.correctEvents(accountId, voids, replacements);
  }

  listRecords(collection: RecordCollection, accountId: string): Promise<StoredRecord[]> {
    return this.records.listRecords(collection, accountId);
  }

  getRecord(collection: RecordCollection, accountId: string, id: string) {
    return this.records.getRecord(collection, accountId, id);
  }

  putRecord(r: StoredRecord): Promise<void> {
    return this.records.putRecord(r);
  }

  deleteRecord(collection: RecordCollection, accountId: string, id: string): Promise<void> {
    return this.records.deleteRecord(collection, accountId, id);
  }

  // ---- compaction, rollups and lifecycle -----------------------------------------------------

  /** Group estimates answered from the archive's subject dimension counts so far. */
  subjectBoundReads(): number {
    return this.usage.subjectBoundReads;
  }

  rollupStats(): RollupStats {
    return {
      enabled: this.rollups !== undefined,
      ready: this.rollups?.readyMeters() ?? [],
      droppedSlots: this.rollups?.droppedList() ?? [],
      pending: this.rollups?.pending() ?? [],
      reads: this.usage.rollupReads,
      distinctReads: this.usage.distinctReads,
      subjects: this.rollups?.subjectList() ?? [],
      subjectReads: this.usage.subjectRollupReads,
      partialRows: this.compactor.rollupPartialRows(),
    };
  }

  /**
   * rollup_15m's rows and distinct keys: rows beyond the keys are partial rows a merge will
   * combine (one pass over the table; tests and diagnostics).
   */
  async rollupSize(): Promise<{ rows: number; keys: number }> {
    const [r] = await this.usage.dataRows(
      'SELECT count(*) AS n, count(DISTINCT (account_id, meter_id, bucket, slot, dim)) AS k FROM rollup_15m',
    );
    return { rows: num(r?.n), keys: num(r?.k) };
  }

  /** subject_rollup_15m's rows and distinct keys, as rollupSize (tests and diagnostics). */
  async subjectRollupSize(): Promise<{ rows: number; keys: number }> {
    const [r] = await this.usage.dataRows(
      'SELECT count(*) AS n, count(DISTINCT (account_id, meter_id, subject, bucket, slot, dim)) AS k FROM subject_rollup_15m',
    );
    return { rows: num(r?.n), keys: num(r?.k) };
  }

  /** distinct_1d's rows and distinct keys, as rollupSize (tests and diagnostics). */
  async distinctSize(): Promise<{ rows: number; keys: number }> {
    const [r] = await this.usage.dataRows(
      'SELECT count(*) AS n, count(DISTINCT (account_id, meter_id, day, value_text)) AS k FROM distinct_1d',
    );
    return { rows: num(r?.n), keys: num(r?.k) };
  }

  /** Settles once the rollups found missing at start are rebuilt (or the store closed). */
  rollupsRebuilt(): Promise<void> {
    return this.rebuilt;
  }

  /**
   * Settles once the archived months found without subject dimension counts at start are counted
   * (or the store closed), with how many were.
   */
  subjectDimsCounted(): Promise<number> {
    return this.dimsCounted;
  }

  /**
   * Settles once the dedupe knows which days hold stored events (stored-days.ts): true, or false
   * when it could not learn it (every day is then scanned).
   */
  async storedDaysLearned(): Promise<boolean> {
    await this.learnedDays;
    return this.pipeline.storedDays.known;
  }

  /** The dedupe cache of recent days' identities: resident days and bytes, loads (day-dedupe.ts). */
  dedupeStats(): DayDedupeStats {
    return this.pipeline.dedupe.stats();
  }

  /** The closed months held in archive files (tests, diagnostics). */
  archivedMonths(): ArchivedMonth[] {
    return this.archive.list();
  }

  /** Chunks that are closed and wait for a rewrite, quiet or not (0 once compaction caught up). */
  compactionBacklog(): number {
    return this.compactor.backlog();
  }

  /**
   * Rewrites every chunk that is due now, sorted by subject, once everything acknowledged is
   * folded (so its rows count); returns the chunks rewritten.
   */
  async compactNow(): Promise<Chunk[]> {
    await this.pipeline.visible();
    return this.compactor.compactNow();
  }

  async stats(): Promise<StoreStats> {
    const [r] = await this.usage.dataRows(
      'SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM meter_rows) AS meter_rows',
    );
    let bytes = this.pipeline.logBytes + this.archive.bytes();
    for (const f of [this.file, `${this.file}.wal`]) {
      try {
        bytes += statSync(f).size;
      } catch {
        // The WAL exists only between checkpoints.
      }
    }
    return {
      events: num(r?.events),
      meterRows: num(r?.meter_rows),
      bytesOnDisk: bytes,
      compactionBacklog: this.compactionBacklog(),
      dedupeCache: this.dedupeStats(),
    };
  }

  async ping(): Promise<void> {
    await readRows(this.reader(), 'SELECT 1');
  }

  writeProblem(): Promise<string | undefined> {
    return this.pipeline.writeProblem();
  }

  /**
   * Copies the store into `targetDir` while it keeps serving (backup.ts): a DuckDB snapshot plus
   * the acknowledged records it lacks, without holding the write path.
   */
  backup(targetDir: string): Promise<BackupInfo> {
    if (this.closed) return Promise.reject(new UnavailableError('the store is shutting down'));
    if (this.backingUp) return Promise.reject(new ConflictError('a backup is already running'));
    let conn: DuckDBConnection | undefined;
    const run = (async () => {
      conn = await this.conns.instance.connect();
      if (this.closed) throw new UnavailableError('the store is shutting down');
      const snapshot = conn;
      return this.gate.read(() => writeBackup(snapshot, dirname(this.file), targetDir));
    })();
    const done = run
      .catch(() => undefined)
      .finally(() => {
        conn?.closeSync();
        this.backingUp = undefined;
      });
    this.backingUp = { interrupt: () => conn?.interrupt(), done };
    return run;
  }

  /**
   * Copies a backup into an empty `dataDir` and opens it once (offline): the backup's ingest log
   * is folded, and the store must then hold exactly the events the backup claims.
   */
  static async restore(
    backupDir: string,
    dataDir: string,
  ): Promise<{ dataDir: string; events: number; ingestLogSeq: number; replayedEvents: number }> {
    const manifest = await copyBackup(backupDir, dataDir);
    const store = await DuckDbStore.open({ dataDir, compaction: { intervalMs: 0 } });
    try {
      const { events } = await store.stats();
      const seq = await readAppliedSeq(store.reader());
      if (events !== manifest.events || seq !== manifest.ingestLogSeq) {
        throw new Error(
          `the restored store holds ${events} events up to record ${seq}; the backup says ${manifest.events} up to ${manifest.ingestLogSeq}`,
        );
      }
      return { dataDir, events, ingestLogSeq: seq, replayedEvents: manifest.tailEvents };
    } finally {
      await store.close();
    }
  }

  /** Forces a checkpoint (folds the WAL into the database file), between rewrites. */
  checkpoint(): Promise<void> {
    return this.compactor.exclusive(() => this.pipeline.write('CHECKPOINT'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const backup = this.backingUp;
    backup?.interrupt();
    await backup?.done;
    await this.dimsCounted;
    await this.compactor.stop();
    await this.learnedDays;
    await this.pipeline.drain();
    this.pipeline.close();
    const { instance, writer, compactor, readers } = this.conns;
    for (const c of [writer, compactor, ...readers]) c.closeSync();
    instance.closeSync();
    // Best effort: a stop must not fail because the file could not be made smaller.
    const limits = this.shrinkLimits;
    if (limits) this.shrunk = await shrinkDatabaseFile(this.file, limits).catch(() => undefined);
  }
}

/** Hands out the connections in turn. */
function rotation(conns: DuckDBConnection[]): () => DuckDBConnection {
  let i = 0;
  return () => {
    i = (i + 1) % conns.length;
    return conns[i] as DuckDBConnection;
  };
}
