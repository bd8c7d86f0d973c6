// Preset meters of the THEO-compatible profile.

import type { MeterInput } from '../profile.js';
import { THEO_EVENT_TYPES as T } from './event-shape.js';

export const THEO_METERS = {
  viewingMinutes: 'theo_viewing_minutes',
  bytesTransferred: 'theo_bytes_transferred',
  transcodingMinutes: 'theo_transcoding_minutes',
} as const;

const metadata = { profile: 'theo' };
const viewingDims = {
  channelId: '$.channelId',
  distributionId: '$.distributionId',
  streamingFormat: '$.streamingFormat',
};

export const theoPresets: MeterInput[] = [
  {
    slug: THEO_METERS.viewingMinutes,
    name: 'THEO viewing minutes',
    aggregation: 'SUM',
    eventType: T.viewing,
    valueProperty: '$.viewingMinutes',
    groupBy: viewingDims,
    metadata,
  },
  {
    slug: THEO_METERS.bytesTransferred,
    name: 'THEO bytes transferred',
    aggregation: 'SUM',
    eventType: T.viewing,
    valueProperty: '$.bytes',
    groupBy: viewingDims,
    metadata,
  },
  {
    slug: THEO_METERS.transcodingMinutes,
    name: 'THEO transcoding minutes',
    aggregation: 'SUM',
    eventType: T.transcoding,
    valueProperty: '$.minutes',
    groupBy: { channelId: '$.channelId', engineId: '$.engineId' },
    metadata,
  },
];
