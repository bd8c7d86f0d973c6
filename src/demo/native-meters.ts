import type { MeterInput } from '../meter/meter-input.js';

/** Native demo meters (an AI gateway and an API platform), beside the compat profiles' presets. */
export const DEMO_METERS: MeterInput[] = [
  {
    slug: 'ai_tokens',
    name: 'AI tokens',
    description: 'Tokens processed by the AI gateway',
    aggregation: 'SUM',
    eventType: 'prompt',
    valueProperty: '$.tokens',
    groupBy: { model: '$.model', type: '$.type' },
  },
  {
    slug: 'api_requests',
    name: 'API requests',
    aggregation: 'COUNT',
    eventType: 'api_request',
    groupBy: { endpoint: '$.endpoint', region: '$.region' },
  },
  {
    slug: 'active_users',
    name: 'Active users',
    aggregation: 'UNIQUE_COUNT',
    eventType: 'session',
    valueProperty: '$.userId',
    groupBy: { country: '$.country' },
  },
  {
    slug: 'response_time_max',
    name: 'Slowest response (ms)',
    aggregation: 'MAX',
    eventType: 'api_request',
    valueProperty: '$.durationMs',
    groupBy: { endpoint: '$.endpoint' },
    metadata: { public: 'true' },
  },
];
