// The native usage query model: validated data that every API surface (native, compat profiles,
// dashboard, CLI) builds and hands to the UsageService. Times are epoch milliseconds.

import type { Zone } from 'luxon';
import type { WindowSize } from '../contract/vocabulary.js';
import type { InlineMeter } from './inline-meter.js';

// The window sizes are the vocabulary's closed set; re-exported so that every surface building a
// query (compat profiles included) names them from the query model.
export type { WindowSize };

/**
 * How `windowSize: 'AUTO'` picks a size from the length of [from, to): the first step whose
 * `upToMs` the range does not exceed, else `otherwise`. Data rather than code, so that each API
 * surface declares its own thresholds and the planner alone applies them.
 */
export interface AutoWindowPolicy {
  steps: readonly { upToMs: number; windowSize: WindowSize }[];
  otherwise: WindowSize;
}

export type FilterOperator =
  | '$eq'
  | '$ne'
  | '$like'
  | '$nlike'
  | '$ilike'
  | '$nilike'
  | '$gt'
  | '$gte'
  | '$lt'
  | '$lte'
  | '$in'
  | '$nin'
  | '$and'
  | '$or';

/** OpenMeter's FilterString: operators on one dimension, combined with AND. */
export interface FilterString {
  $eq?: string | null;
  $ne?: string | null;
  $like?: string | null;
  $nlike?: string | null;
  $ilike?: string | null;
  $nilike?: string | null;
  $gt?: string | null;
  $gte?: string | null;
  $lt?: string | null;
  $lte?: string | null;
  $in?: string[] | null;
  $nin?: string[] | null;
  $and?: FilterString[] | null;
  $or?: FilterString[] | null;
}

export type AggregationMode =
  | { kind: 'incremental' }
  /** Every point is the total since the start of its period (e.g. month to date). */
  | { kind: 'cumulative'; period: WindowSize }
  /** Every point covers the trailing span ending with its window (e.g. 30 days). */
  | { kind: 'rolling'; span: { unit: WindowSize; count: number } };

export interface UsageQuery {
  /** The stored meter; with `inlineMeter`, only a label for it. */
  meterSlug: string;
  /** An ad-hoc meter definition to answer instead of a stored meter (inline-meter.ts). */
  inlineMeter?: InlineMeter;
  /**
   * Answer as the data stood at this instant (epoch ms): events acknowledged by then, corrections
   * made by then. Read from the raw events, so only where the store reads them.
   */
  asOf?: number;
  /** Inclusive. */
  from: number;
  /** Exclusive. */
  to: number;
  /** Undefined: one total over the range. 'AUTO': chosen from the range by `autoWindow`. */
  windowSize?: WindowSize | 'AUTO';
  /** Policy for `windowSize: 'AUTO'`; the engine's default policy when absent. */
  autoWindow?: AutoWindowPolicy;
  /** IANA zone name or a fixed offset such as "+05:45", as written (the answer echoes it). */
  timeZone: string;
  /**
   * `timeZone` already read, by a contract that reads it beside the other parameters so one answer
   * lists every bad one (the native query). Absent, the planner reads `timeZone` and refuses it.
   */
  zone?: Zone;
  /** Dimension names of the meter and/or "subject". */
  groupBy: string[];
  /** Allowed subjects (empty: all). */
  subjects: string[];
  /** Per-dimension filters ("subject" allowed). */
  filters: Record<string, FilterString>;
  mode: AggregationMode;
  /** Return a zero row for windows (and groups) with no data. */
  fillZero: boolean;
  /**
   * Only the `limit` groups with the greatest value over [from, to), plus one "other" group of
   * all the rest (src/query/group-tails.ts). Needs a groupBy.
   */
  limit?: number;
  /** Only the rows whose group is (or, with `except`, is not) one of `keys` (group-tails.ts). */
  keySet?: GroupKeySet;
  /**
   * Customers, resolved by the customer service (src/customer/) before planning: the planner
   * reads them and stays pure. Absent: the query names no customer.
   */
  customers?: CustomerScope;
}

/** The customers a usage query filters or groups by. */
export interface CustomerScope {
  /** filterCustomerId: the union of the named customers' subjects (absent: no such filter). */
  subjects?: string[];
  /** Each attributed subject with its customer's id, for grouping by "customer_id". */
  attribution: [subject: string, customerId: string][];
}

/** Group keys: one value (null: the dimension is missing) per name of `dimensions`, in order. */
export interface GroupKeySet {
  dimensions: string[];
  keys: (string | null)[][];
  except: boolean;
}

export interface UsageRow {
  windowStart: number;
  windowEnd: number;
  subject: string | null;
  /** Grouped by "customer_id" only: the subject's customer (null: a subject of no customer). */
  customerId?: string | null;
  groupBy: Record<string, string | null>;
  value: number;
  /** The "other" group of a query with a `limit`: every group outside the top ones. */
  other?: true;
}

export interface UsageResult {
  from: number;
  to: number;
  /** The window size used (an 'AUTO' query reports the size it resolved to). */
  windowSize?: WindowSize;
  timeZone: string;
  rows: UsageRow[];
}
