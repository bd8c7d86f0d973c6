import type { Aggregation } from '../store/ports.js';

/** What a caller gives to create or replace a meter (OpenMeter MeterCreate). */
export interface MeterInput {
  slug: string;
  name?: string;
  description?: string;
  metadata?: Record<string, string> | null;
  aggregation: Aggregation;
  eventType: string;
  eventFrom?: string;
  valueProperty?: string;
  groupBy?: Record<string, string>;
}

/** What may change on an existing meter (OpenMeter MeterUpdate). */
export interface MeterUpdate {
  name?: string;
  description?: string;
  metadata?: Record<string, string> | null;
  groupBy?: Record<string, string>;
}
