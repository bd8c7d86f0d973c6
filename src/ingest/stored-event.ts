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
