// Storage ports. The domain (ingest, meters, query) talks only to these interfaces; every store
// (embedded DuckDB, ClickHouse) implements all of them and passes the shared behaviour suite in
// `src/store/behaviour/`. Nothing here knows about HTTP or SQL.

import type { Aggregation, KeyKind } from '../contract/vocabulary.js';

/** Aggregation kinds a meter can have, and key kinds: declared once, in the wire vocabulary. */
export type { Aggregation, KeyKind };

/** An event as stored: the raw CloudEvent fields plus ingest bookkeeping. */
export interface StoredEvent {
  accountId: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  /** Event time, epoch milliseconds. */
  time: number;
  /** Ingest time, epoch milliseconds. */
  ingestedAt: number;
  /** The CloudEvent `data` member as JSON text (`null` when absent). Kept verbatim. */
  data: string;
}

/** Values extracted from one event for one meter, at ingest or backfill. */
export interface MeterRow {
  meterId: string;
  /** Numeric value (SUM/AVG/MIN/MAX/LATEST); 1 for COUNT; null when absent. */
  value: number | null;
  /** Text value for UNIQUE_COUNT; null otherwise. */
  valueText: string | null;
  /** Dimension values in the meter's slot order (see MeterDefinition.dimensions). */
  dims: (string | null)[];
}

export interface IngestItem {
  event: StoredEvent;
  rows: MeterRow[];
}

export interface AppendResult {
  /** Indexes (into the batch) of events that were already stored and were therefore skipped. */
  duplicates: number[];
}

/** Maximum number of group-by dimensions one meter may declare; each has a fixed storage slot. */
export const MAX_DIMENSIONS = 16;

export interface MeterDefinition {
  id: string;
  accountId: string;
  slug: string;
  name: string;
  description?: string;
  metadata?: Record<string, string> | null;
  aggregation: Aggregation;
  eventType: string;
  eventFrom?: string;
  valueProperty?: string;
  /** Dimension name -> JSONPath, in slot order: the n-th entry is stored in slot n. */
  dimensions: [name: string, path: string][];
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

export interface Account {
  id: string;
  name: string;
  createdAt: string;
  /** Compat profiles this account has enabled (e.g. "livepeer"). */
  profiles: string[];
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  kind: KeyKind;
  /** The bound subject (publishable: reads only it; ingest: writes only it; secret: refused). */
  subject?: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  /** First characters of the key, safe to show. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

// ---------------------------------------------------------------------------------------------
// Usage queries as the stores see them: already planned, all times in epoch ms, all calendar and
// time-zone work done by the planner. A store only assigns each row to a window index.

/** A dimension reference: the event subject, or one of the meter's dimension slots. */
export type DimRef = { kind: 'subject' } | { kind: 'dim'; slot: number };

export type FilterNode =
  | { op: 'and' | 'or'; children: FilterNode[] }
  | {
      op: 'eq' | 'ne' | 'like' | 'nlike' | 'ilike' | 'nilike' | 'gt' | 'gte' | 'lt' | 'lte';
      dim: DimRef;
      value: string;
    }
  | { op: 'in' | 'nin'; dim: DimRef; values: string[] };

/**
 * How rows map to window indexes.
 * - `all`: every row is window 0.
 * - `uniform`: window = floor((time - origin) / width) (minutes, 15 minutes, hours; and days or
 *   weeks in zones without a transition in range).
 * - `calendar`: local = time + offset, where offset is that of the last span whose `from` <= time;
 *   localDay = floor(local / 86400000); window = dayToWindow[localDay - baseDay]. Days outside
 *   the table belong to no window (the range filter already excludes them).
 */
export type Bucketing =
  | { kind: 'all' }
  | { kind: 'uniform'; origin: number; width: number }
  | { kind: 'calendar'; offsets: OffsetSpan[]; baseDay: number; dayToWindow: number[] };

export interface OffsetSpan {
  /** Start of the span in epoch ms; the first span starts at -Infinity whatever this says. */
  from: number;
  offsetMs: number;
}

/**
 * An ad-hoc meter read from the raw events instead of meter rows: the store extracts the value and
 * dimensions from `data` at query time, with the same rules as ingest (src/meter/extract.ts). Paths
 * are validated property-name keys (src/query/inline-meter.ts), never raw text. With it the query's
 * `meterId` names no rows; dimension slot n is `dims[n]`.
 */
export interface EventSource {
  eventType: string;
  /** Events before this instant (epoch ms) are not counted (the meter's eventFrom). */
  eventFrom?: number;
  aggregation: Aggregation;
  /** Property keys from `data` to the value; absent for COUNT. */
  value?: string[];
  /** Property keys from `data` to each dimension, in slot order. */
  dims: string[][];
}

export interface BaseUsageQuery {
  accountId: string;
  meterId: string;
  /** Read raw events through this ad-hoc meter instead of the rows of `meterId`. */
  source?: EventSource;
  /** Inclusive lower bound, epoch ms. */
  from: number;
  /** Exclusive upper bound, epoch ms. */
  to: number;
  bucket: Bucketing;
  groupBy: DimRef[];
  filter?: FilterNode;
  /** Compute NumericRow.latest/latestTime (costlier; only LATEST meters need it). */
  latest?: boolean;
  /**
   * Most rows the store returns (a LIMIT on the outermost SELECT). The usage service asks for one
   * more than it accepts, so that a result larger than its cell budget is refused, never held.
   */
  rowLimit?: number;
}

/** The rows whose distinct group keys `estimateGroups` counts (a usage query without windows). */
export type GroupEstimateQuery = Pick<
  BaseUsageQuery,
  'accountId' | 'meterId' | 'from' | 'to' | 'groupBy' | 'filter' | 'source'
>;

/** Partial aggregates per window and group; the domain turns them into any aggregation. */
export interface NumericRow {
  window: number;
  keys: (string | null)[];
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  /** Value of the row with the greatest time (ties broken by the greatest value). */
  latest: number | null;
  latestTime: number | null;
}

export interface UniqueRow {
  window: number;
  keys: (string | null)[];
  /** Exact number of distinct non-null `valueText` in this window and group. */
  uniques: number;
}

/** `count` distinct values first seen (within their period) in `window`. */
export interface FirstSeenRow {
  period: number;
  window: number;
  keys: (string | null)[];
  count: number;
}

/**
 * `count` distinct values that each appear in window `start` and not again before `end`:
 * with a trailing span of N windows each contributes to windows [start, end), end <= start + N.
 */
export interface CoverageRow {
  start: number;
  end: number;
  keys: (string | null)[];
  count: number;
}

export interface DistinctValuesQuery {
  accountId: string;
  meterId: string;
  dim: DimRef;
  from: number;
  to: number;
  limit: number;
  /** Only rows of this subject (subject-bound keys). */
  subject?: string;
}

export interface EventListQuery {
  accountId: string;
  from?: number;
  to?: number;
  ingestedFrom?: number;
  ingestedTo?: number;
  /** Substring match on id. */
  idContains?: string;
  /** Substring match on subject. */
  subjectContains?: string;
  /** Exact subject (used for subject-bound keys). */
  subject?: string;
  limit: number;
}

export interface EventWriter {
  /**
   * Stores the batch durably and atomically: when the promise resolves every new event and its
   * rows survive a crash. Events whose (account, source, id) is already stored, or repeats inside
   * the batch, are skipped and reported.
   */
  append(items: IngestItem[]): Promise<AppendResult>;
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

export interface MeterRowWriter {
  /** Atomically replaces all rows of a meter (backfill after create or edit). */
  replaceMeterRows(
    meterId: string,
    accountId: string,
    produce: (emit: (rows: RowWithEvent[]) => Promise<void>) => Promise<void>,
  ): Promise<void>;
  deleteMeterRows(meterId: string): Promise<void>;
}

/** A meter row together with the event fields a row table keeps (time, subject). */
export interface RowWithEvent extends MeterRow {
  time: number;
  subject: string;
}

export interface UsageReader {
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

export interface StoreStats {
  events: number;
  meterRows: number;
  bytesOnDisk: number;
  /** Closed time chunks waiting to be rewritten by a store that compacts (embedded). */
  compactionBacklog?: number;
  /** The embedded store's dedupe cache of identities per day of event time (bounded memory). */
  dedupeCache?: { residentDays: number; residentBytes: number; loads: number };
}

/** Everything a store provides. */
export interface Store
  extends EventWriter,
    EventReader,
    MeterRowWriter,
    UsageReader,
    MeterRepo,
    AccountRepo {
  readonly kind: 'embedded' | 'clickhouse';
  stats(): Promise<StoreStats>;
  /** Cheap liveness check of the engine. */
  ping(): Promise<void>;
  /** Why the store cannot take writes now (e.g. its disk is full), or undefined; /readyz reports it. */
  writeProblem?(): Promise<string | undefined>;
  close(): Promise<void>;
}
