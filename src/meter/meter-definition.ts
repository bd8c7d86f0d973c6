// A meter as stored, and the values extracted from one event for one meter.

import type { Aggregation } from '../contract/vocabulary.js';

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

/** A meter row together with the event fields a row table keeps (time, subject). */
export interface RowWithEvent extends MeterRow {
  time: number;
  subject: string;
}
