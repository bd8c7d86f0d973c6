// Storage ports: the interfaces the domain (ingest, meters, query) talks to. Every store
// (embedded DuckDB, ClickHouse) implements all of them and passes the shared behaviour suite in
// `test/behaviour/`. The model types belong to their domain modules; nothing here knows about
// HTTP or SQL.

import type { Account, ApiKeyRecord } from '../auth/account-and-key.js';
import type {
  AppendResult,
  EventListQuery,
  IngestItem,
  StoredEvent,
} from '../ingest/stored-event.js';
import type { MeterDefinition, RowWithEvent } from '../meter/meter-definition.js';
import type {
  BaseUsageQuery,
  Bucketing,
  CoverageRow,
  DistinctValuesQuery,
  FirstSeenRow,
  GroupEstimateQuery,
  NumericRow,
  UniqueRow,
} from '../query/planned-query.js';

/**
 * Which process writes an account's events, for stores where several processes share the writing
 * (ClickHouse with `writers: 'coordinated'`): this one, another (its base URL, to forward the
 * request to), or nobody at this moment (ownership is moving: answer 503 and let the client retry).
 */
export type Placement = { kind: 'local' } | { kind: 'remote'; url: string } | { kind: 'moving' };

export interface EventWriter {
  /**
   * Stores the batch durably and atomically: when the promise resolves every new event and its
   * rows survive a crash. Events whose (account, source, id) is already stored, or repeats inside
   * the batch, are skipped and reported.
   */
  append(items: IngestItem[]): Promise<AppendResult>;
  /** Where an account's events are written; a store without it writes every account itself. */
  placement?(accountId: string): Placement;
}

export interface EventReader {
  listEvents(q: EventListQuery): Promise<StoredEvent[]>;
  /**
   * Streams every stored event of one type in an account, for meter backfill: called inside
   * `replaceMeterRows`, which has waited for every event acknowledged before it.
   */
  scanEvents(
    accountId: string,
    eventType: string,
    onBatch: (events: StoredEvent[]) => Promise<void>,
  ): Promise<void>;
}

/**
 * One stored version of an event taken out by a correction (void or replace). The version stays
 * stored, so a resend of its identity is still a duplicate, but listings, backfills and queries
 * leave it out; a query `asOf` an instant before `voidedAt` still counts it.
 */
export interface EventVoid {
  source: string;
  id: string;
  /** Identifies the version: a replacement has the same identity and a later ingest time. */
  ingestedAt: number;
  voidedAt: number;
  correctionId: string;
}

export interface EventCorrector {
  /**
   * Records the voids and stores the replacement events, atomically. Meter rows are not touched:
   * the caller backfills the meters of the events' types afterwards (replaceMeterRows).
   */
  correctEvents(accountId: string, voids: EventVoid[], replacements: StoredEvent[]): Promise<void>;
}

export interface MeterRowWriter {
  /** Atomically replaces all rows of a meter (backfill after create or edit). */
  replaceMeterRows(
    meterId: string,
    accountId: string,
    produce: (emit: (rows: RowWithEvent[]) => Promise<void>) => Promise<void>,
  ): Promise<void>;
  deleteMeterRows(meterId: string): Promise<void>;
}

export interface UsageReader {
  /**
   * Whether the store can read ad-hoc meters from the raw events (BaseUsageQuery.source). Stores
   * without JSON functions in their SQL (ClickHouse 18.16) answer them only through a stored meter.
   */
  readonly readsRawEvents: boolean;
  aggregateNumeric(q: BaseUsageQuery): Promise<NumericRow[]>;
  aggregateUnique(q: BaseUsageQuery): Promise<UniqueRow[]>;
  /** For cumulative unique counts: first window of each distinct value within its period. */
  uniqueFirstSeen(q: BaseUsageQuery, period: Bucketing): Promise<FirstSeenRow[]>;
  /** For rolling unique counts over a trailing span of `span` windows. */
  uniqueCoverage(q: BaseUsageQuery, span: number): Promise<CoverageRow[]>;
  distinctValues(q: DistinctValuesQuery): Promise<string[]>;
  /**
   * About how many distinct `groupBy` key tuples (NULLs included, as the query groups them) the
   * rows of `q` hold: an approximate distinct count (HyperLogLog-like, a few per cent off) in one
   * pass over the matching rows' key columns, in constant memory, so that the usage service can
   * refuse an over-large query before running it. 1 when `groupBy` is empty.
   */
  estimateGroups(q: GroupEstimateQuery): Promise<number>;
}

export interface MeterRepo {
  listMeters(accountId: string, includeDeleted?: boolean): Promise<MeterDefinition[]>;
  /** Every live meter of every account (for the ingest extraction cache). */
  listAllMeters(): Promise<MeterDefinition[]>;
  putMeter(meter: MeterDefinition): Promise<void>;
}

export interface AccountRepo {
  listAccounts(): Promise<Account[]>;
  putAccount(account: Account): Promise<void>;
  listKeys(accountId?: string): Promise<ApiKeyRecord[]>;
  findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  putKey(key: ApiKeyRecord): Promise<void>;
}

/**
 * The record collections: small per-account documents of the features around usage (customers,
 * alert rules and their state, webhook deliveries, the audit log of corrections). A closed set:
 * the name is stored as data and never becomes an identifier.
 */
export const RECORD_COLLECTIONS = [
  'customers',
  'alert_rules',
  'alert_state',
  'webhook_deliveries',
  'webhook_endpoints',
  'audit_log',
  'key_customers',
] as const;
export type RecordCollection = (typeof RECORD_COLLECTIONS)[number];

/** One record: its body is the feature's own JSON document. */
export interface StoredRecord {
  collection: RecordCollection;
  accountId: string;
  id: string;
  body: string;
}

/**
 * Documents keyed by (collection, account, id). A put replaces the record whole (last write wins);
 * a deleted record is gone from every read. Lists are ordered by id, so time-ordered ids (ULIDs)
 * list in creation order.
 */
export interface RecordRepo {
  listRecords(collection: RecordCollection, accountId: string): Promise<StoredRecord[]>;
  getRecord(
    collection: RecordCollection,
    accountId: string,
    id: string,
  ): Promise<StoredRecord | undefined>;
  putRecord(record: StoredRecord): Promise<void>;
  deleteRecord(collection: RecordCollection, accountId: string, id: string): Promise<void>;
}

export interface StoreStats {
  events: number;
  meterRows: number;
  bytesOnDisk: number;
  /** Closed time chunks waiting to be rewritten by a store that compacts (embedded). */
  compactionBacklog?: number;
  /** The embedded store's dedupe cache of identities per day of event time (bounded memory). */
  dedupeCache?: { residentDays: number; residentBytes: number; loads: number };
}

/**
 * What an online backup wrote (embedded store: src/store/embedded/backup.ts; docs/operations.md,
 * "Backup and restore").
 */
export interface BackupInfo {
  /** The backup directory. */
  path: string;
  createdAt: string;
  /** Events the backup holds: those in its database snapshot plus its ingest-log tail. */
  events: number;
  /** Bytes of the files written. */
  bytes: number;
  /** The last acknowledged ingest-log record the backup holds: every event acknowledged up to it. */
  ingestLogSeq: number;
  /** The last record folded into the database snapshot; the rest are replayed at restore. */
  snapshotSeq: number;
  /** Events of the records after `snapshotSeq`, kept in the backup's ingest log. */
  tailEvents: number;
  /** Time the write path (acknowledgements and folds) waited for the backup. */
  writerBlockedMs: number;
  durationMs: number;
  files: { name: string; bytes: number; sha256: string }[];
}

/** Everything a store provides. */
export interface Store
  extends EventWriter,
    EventReader,
    EventCorrector,
    MeterRowWriter,
    UsageReader,
    MeterRepo,
    AccountRepo,
    RecordRepo {
  readonly kind: 'embedded' | 'clickhouse';
  stats(): Promise<StoreStats>;
  /** Cheap liveness check of the engine. */
  ping(): Promise<void>;
  /** Why the store cannot take writes now (e.g. its disk is full), or undefined; /readyz reports it. */
  writeProblem?(): Promise<string | undefined>;
  /**
   * A consistent copy of the store into `targetDir` (absolute; missing or empty; not inside the
   * data directory) while it keeps serving. Stores backed up by their own tools (ClickHouse) leave
   * it out.
   */
  backup?(targetDir: string): Promise<BackupInfo>;
  close(): Promise<void>;
}
