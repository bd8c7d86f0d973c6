import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { UnavailableError } from '../../errors/domain-errors.js';
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
import type { Chunk } from './compaction-policy.js';
import { Compactor, type CompactorOptions } from './compactor.js';
import type { DayDedupeStats } from './day-dedupe.js';
import { IngestLog } from './ingest-log.js';
import type { IngestLogObserver, OnDamage } from './ingest-log-events.js';
import { MetadataRepo } from './metadata-repo.js';
import { fillSubjectBuckets, migrate } from './migrate.js';
import { num, readRows } from './row-decoding.js';
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
  ingestLog?: { onDamage?: OnDamage; observer?: IngestLogObserver };
  /** Memory bound of the dedupe cache of recent days' identities (default 64 MiB). */
  dedupeBudgetBytes?: number;
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
 * compactor (sorted rewrites on a connection of its own), the usage reader and the metadata repo
 * (on reader connections). Lock order: the compactor's exclusion, then the writer chain.
 */
export class DuckDbStore implements Store {
  readonly kind = 'embedded';
  private closed = false;
  private readonly usage: DuckDbUsageReader;
  private readonly meta: MetadataRepo;

  private constructor(
    private readonly conns: Connections,
    private readonly file: string,
    private readonly pipeline: WritePipeline,
    private readonly compactor: Compactor,
    private readonly reader: () => DuckDBConnection,
  ) {
    this.usage = new DuckDbUsageReader(reader, () => pipeline.visible());
    this.meta = new MetadataRepo(
      (sql) => readRows(reader(), sql),
      (sql) => pipeline.write(sql),
    );
  }

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
    const compactor = new Compactor(conns.compactor, opts.compaction);
    const pipeline = new WritePipeline({
      writer,
      eventAppender: await writer.createAppender('events'),
      rowAppender: await writer.createAppender('meter_rows'),
      log,
      ...(opts.dedupeBudgetBytes === undefined
        ? {}
        : { dedupeBudgetBytes: opts.dedupeBudgetBytes }),
      reader,
      onCommitted: (days) => compactor.noteRows(days),
    });
    const store = new DuckDbStore(conns, file, pipeline, compactor, reader);
    await pipeline.recover(records, appliedSeq);
    await compactor.resume();
    compactor.start();
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

  putMeter(m: MeterDefinition): Promise<void> {
    return this.meta.putMeter(m);
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

  // ---- compaction and lifecycle ---------------------------------------------------------------

  /** The dedupe cache of recent days' identities: resident days and bytes, loads (day-dedupe.ts). */
  dedupeStats(): DayDedupeStats {
    return this.pipeline.dedupe.stats();
  }

  /** Chunks that are closed and wait for a rewrite, quiet or not (0 once compaction caught up). */
  compactionBacklog(): number {
    return this.compactor.backlog();
  }

  /** Rewrites every chunk that is due now, sorted by subject; returns the chunks rewritten. */
  compactNow(): Promise<Chunk[]> {
    return this.compactor.compactNow();
  }

  async stats(): Promise<StoreStats> {
    const [r] = await this.usage.dataRows(
      'SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM meter_rows) AS meter_rows',
    );
    let bytes = this.pipeline.logBytes;
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
    };
  }

  async ping(): Promise<void> {
    await readRows(this.reader(), 'SELECT 1');
  }

  writeProblem(): Promise<string | undefined> {
    return this.pipeline.writeProblem();
  }

  /** Forces a checkpoint (folds the WAL into the database file), between rewrites. */
  checkpoint(): Promise<void> {
    return this.compactor.exclusive(() => this.pipeline.write('CHECKPOINT'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.compactor.stop();
    await this.pipeline.drain();
    this.pipeline.close();
    const { instance, writer, compactor, readers } = this.conns;
    for (const c of [writer, compactor, ...readers]) c.closeSync();
    instance.closeSync();
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
