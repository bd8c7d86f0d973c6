// Events as the stores keep them, and the batches ingest hands to a store.

import type { MeterRow } from '../meter/meter-definition.js';

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

export interface IngestItem {
  event: StoredEvent;
  rows: MeterRow[];
}

export interface AppendResult {
  /** Indexes (into the batch) of events that were already stored and were therefore skipped. */
  duplicates: number[];
}

/** Event fields a listing can match exactly, in a set, or by a LIKE pattern. */
export const EVENT_MATCH_FIELDS = ['id', 'source', 'subject', 'type'] as const;
export type EventMatchField = (typeof EVENT_MATCH_FIELDS)[number];

export interface EventMatch {
  field: EventMatchField;
  /** `like`/`ilike`: SQL LIKE patterns (`%`, `_`), case-sensitive or not. */
  op: 'eq' | 'in' | 'like' | 'ilike';
  /** One value, except for `in`. */
  values: string[];
}

/** A place in a listing's order (time descending, then source and id ascending). */
export interface EventPosition {
  time: number;
  source: string;
  id: string;
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
  /** Every condition must hold. */
  match?: EventMatch[];
  /** Only events after this position in the listing's order (cursor pagination). */
  after?: EventPosition;
  limit: number;
}
