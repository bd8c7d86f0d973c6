// Declarative table of the THEO-compatible analytics endpoints: the meter behind each, the
// `groupBy` values it accepts (-> dimension) and its comma-separated id filters (-> dimension).

import { THEO_METERS as M } from './presets.js';

export interface TheoEndpoint {
  path: string;
  meter: string;
  groupBy: Record<string, string>;
  filters: Record<string, string>;
}

export const THEO_ENDPOINTS: TheoEndpoint[] = [
  {
    path: 'viewing-minutes',
    meter: M.viewingMinutes,
    groupBy: {
      channel: 'channelId',
      distribution: 'distributionId',
      'streaming-format': 'streamingFormat',
    },
    filters: { distributionIds: 'distributionId', streamingFormats: 'streamingFormat' },
  },
  {
    path: 'bytes-transferred',
    meter: M.bytesTransferred,
    groupBy: {
      channel: 'channelId',
      distribution: 'distributionId',
      'streaming-format': 'streamingFormat',
    },
    filters: { streamingFormats: 'streamingFormat' },
  },
  {
    path: 'transcoding-minutes',
    meter: M.transcodingMinutes,
    groupBy: { engine: 'engineId', channel: 'channelId' },
    filters: { engineIds: 'engineId' },
  },
];
