// Usage queries as the stores see them: already planned, all times in epoch ms, all calendar and
// time-zone work done by the planner. A store only assigns each row to a window index, and answers
// partial aggregates that the domain turns into any aggregation.

import type { Aggregation } from '../contract/vocabulary.js';

/**
 * A dimension reference: the event subject, one of the meter's dimension slots, or the customer of
 * the subject: `attribution` lists each attributed subject with its customer's id (a closed list
 * the store compiles into its SQL, every value quoted); a subject not listed has customer NULL.
 */
export type DimRef =
  | { kind: 'subject' }
  | { kind: 'dim'; slot: number }
  | { kind: 'customer'; attribution: readonly (readonly [subject: string, customerId: string])[] };

export type FilterNode =
  | { op: 'and' | 'or'; children: FilterNode[] }
  | {
      op: 'eq' | 'ne' | 'like' | 'nlike' | 'ilike' | 'nilike' | 'gt' | 'gte' | 'lt' | 'lte';
      dim: DimRef;
      value: string;
    }
  | { op: 'in' | 'nin'; dim: DimRef; values: string[] }
  /**
   * Whether the row's tuple of `dims` is one of `keys` (`notKeys`: is none of them), NULL equal to
   * NULL: a missing dimension is a group of its own. Always true or false, never SQL NULL, so it
   * nests under NOT, AND and OR alike. The group-by tails of src/query/group-tails.ts.
   */
  | { op: 'keys' | 'notKeys'; dims: DimRef[]; keys: (string | null)[][] };

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
  /**
   * The events as they stood at this instant (epoch ms): those acknowledged by then, with the
   * corrections made by then. Without it, the events as they stand now.
   */
  asOf?: number;
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
> & {
  /**
   * The caller only asks whether the groups exceed this many: a store may answer a cheaper upper
   * bound instead of the estimate when that bound is at most `enough`.
   */
  enough?: number;
};

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
