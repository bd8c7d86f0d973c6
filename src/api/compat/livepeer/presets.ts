// Preset meters for the Livepeer-compatible profile. Each metric the vendor API reports is either
// one meter or a ratio of two (documented in docs/compat/livepeer.md).

import type { MeterInput } from '../profile.js';
import { LIVEPEER_EVENT_TYPES as T, VIEW_DIMENSIONS } from './event-shape.js';

const viewDims: Record<string, string> = Object.fromEntries(
  VIEW_DIMENSIONS.map((d) => [d, `$.${d}`]),
);
const metadata = { profile: 'livepeer' };

export const LIVEPEER_METERS = {
  views: 'livepeer_view_count',
  startedViews: 'livepeer_started_view_count',
  ttff: 'livepeer_ttff_ms',
  playtime: 'livepeer_playtime_ms',
  rebuffer: 'livepeer_rebuffer_ms',
  errorViews: 'livepeer_error_view_count',
  activeViewers: 'livepeer_active_viewers',
  transcode: 'livepeer_transcode_mins',
  storage: 'livepeer_storage_mins_delta',
} as const;

const M = LIVEPEER_METERS;
const usageDims = { assetId: '$.assetId', streamId: '$.streamId' };

export const livepeerPresets: MeterInput[] = [
  {
    slug: M.views,
    name: 'Livepeer views',
    description: 'One per view (player load).',
    aggregation: 'COUNT',
    eventType: T.viewStarted,
    groupBy: viewDims,
    metadata,
  },
  {
    slug: M.startedViews,
    name: 'Livepeer views that reached the first frame',
    aggregation: 'COUNT',
    eventType: T.firstFrame,
    groupBy: viewDims,
    metadata,
  },
  {
    slug: M.ttff,
    name: 'Livepeer time to first frame (ms, average)',
    aggregation: 'AVG',
    eventType: T.firstFrame,
    valueProperty: '$.ttffMs',
    groupBy: viewDims,
    metadata,
  },
  {
    slug: M.playtime,
    name: 'Livepeer playtime (ms)',
    aggregation: 'SUM',
    eventType: T.heartbeat,
    valueProperty: '$.playtimeMs',
    groupBy: viewDims,
    metadata,
  },
  {
    slug: M.rebuffer,
    name: 'Livepeer rebuffering time (ms)',
    aggregation: 'SUM',
    eventType: T.heartbeat,
    valueProperty: '$.rebufferMs',
    groupBy: viewDims,
    metadata,
  },
  {
    slug: M.errorViews,
    name: 'Livepeer views with an error',
    description: 'Distinct sessions that reported at least one playback error.',
    aggregation: 'UNIQUE_COUNT',
    eventType: T.viewError,
    valueProperty: '$.sessionId',
    groupBy: viewDims,
    metadata,
  },
  {
    slug: M.activeViewers,
    name: 'Livepeer active viewers',
    description:
      'Distinct sessions sending heartbeats; over the last minute this is "viewers now".',
    aggregation: 'UNIQUE_COUNT',
    eventType: T.heartbeat,
    valueProperty: '$.sessionId',
    groupBy: viewDims,
    metadata,
  },
  {
    slug: M.transcode,
    name: 'Livepeer transcoded minutes',
    aggregation: 'SUM',
    eventType: T.transcode,
    valueProperty: '$.minutes',
    groupBy: usageDims,
    metadata,
  },
  {
    slug: M.storage,
    name: 'Livepeer stored minutes (change)',
    description: 'Minutes of video added (+) or deleted (-); the running total is what is stored.',
    aggregation: 'SUM',
    eventType: T.storage,
    valueProperty: '$.deltaMins',
    groupBy: usageDims,
    metadata,
  },
];
