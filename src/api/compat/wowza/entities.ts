// Declarative description of the Wowza entity kinds: the event type, the numeric fields summed per
// entity (wire name -> meter), the unique-viewer meter for avg_viewing_seconds, and the attribute
// fields reported as sent. presets.ts derives the meters from this table and routes.ts the
// endpoints.

import { div, type MetricSet, meter, round } from '../../../query/metric-expr.js';
import type { AutoWindowPolicy } from '../../../query/usage-query.js';
import { WOWZA_EVENT_TYPES as T } from './event-shape.js';

export interface EntityKind {
  /** Collection name on the wire, e.g. stream_targets; the single form drops the final "s". */
  plural: string;
  single: string;
  eventType: string;
  sums: string[];
  /** Whether avg_viewing_seconds (viewing_seconds per distinct viewer) is reported. */
  avgViewing: boolean;
  attributes: string[];
  /** Sums sent as strings on the wire (the seed shows transcoder seconds as strings). */
  stringSums?: string[];
  pagination: 'v2' | 'v1';
}

export const ENTITY_KINDS: EntityKind[] = [
  {
    plural: 'stream_targets',
    single: 'stream_target',
    eventType: T.streamTarget,
    sums: ['viewing_seconds', 'viewing_bytes'],
    avgViewing: true,
    attributes: ['name', 'archived', 'type'],
    pagination: 'v2',
  },
  {
    plural: 'vod_streams',
    single: 'vod_stream',
    eventType: T.vodStream,
    sums: ['viewing_seconds', 'viewing_bytes'],
    avgViewing: true,
    attributes: ['name', 'archived', 'type'],
    pagination: 'v2',
  },
  {
    plural: 'transcoders',
    single: 'transcoder',
    eventType: T.transcoder,
    sums: ['egress_bytes', 'egress_seconds', 'egress_seconds_additional_targets'],
    avgViewing: false,
    attributes: ['name', 'archived', 'transcoder_type', 'billing_mode'],
    stringSums: ['egress_seconds', 'egress_seconds_additional_targets'],
    pagination: 'v1',
  },
  {
    plural: 'real_time_streams',
    single: 'real_time_stream',
    eventType: T.realTimeStream,
    sums: ['bytes_in', 'bytes_out'],
    avgViewing: false,
    attributes: ['name'],
    pagination: 'v2',
  },
];

export const sumMeter = (k: EntityKind, field: string) => `wowza_${k.single}_${field}`;
export const viewersMeter = (k: EntityKind) => `wowza_${k.single}_viewers`;
export const attributesMeter = (k: EntityKind) => `wowza_${k.single}_attributes`;
export const STORAGE_METER = 'wowza_storage_bytes';
/** The most recent storage sample (LATEST): the level stored at a point in time. */
export const STORAGE_LEVEL_METER = 'wowza_storage_level';

/**
 * The numbers reported for one entity kind, as engine metrics: each summed field is its meter,
 * and avg_viewing_seconds is viewing seconds per distinct viewer, rounded (the wire is integer).
 */
export function entityMetrics(k: EntityKind): MetricSet {
  const metrics: MetricSet = {};
  for (const field of k.sums) metrics[field] = meter(sumMeter(k, field));
  if (k.avgViewing) {
    metrics.avg_viewing_seconds = round(
      div(meter(sumMeter(k, 'viewing_seconds')), meter(viewersMeter(k))),
    );
  }
  return metrics;
}

/** The trend of the account endpoint: hourly over ranges of up to two days, daily beyond. */
export const TREND_WINDOW: AutoWindowPolicy = {
  steps: [{ upToMs: 2 * 86_400_000, windowSize: 'HOUR' }],
  otherwise: 'DAY',
};
