// Preset meters of the LaunchDarkly-compatible profile (event shapes in event-shape.ts).

import type { MeterInput } from '../profile.js';
import { LD_EVENT_TYPES as T } from './event-shape.js';

export const LD_METERS = {
  contexts: 'launchdarkly_contexts',
  evaluations: 'launchdarkly_evaluations',
  events: 'launchdarkly_sdk_events',
  experimentationEvents: 'launchdarkly_experimentation_events',
  experimentationKeys: 'launchdarkly_experimentation_keys',
  dataExport: 'launchdarkly_data_export_events',
  observability: 'launchdarkly_observability',
  serviceConnections: 'launchdarkly_service_connection_minutes',
  streams: 'launchdarkly_stream_connections',
  vega: 'launchdarkly_vega_ai',
} as const;

const dims = (...names: string[]): Record<string, string> =>
  Object.fromEntries(names.map((n) => [n, `$.${n}`]));
const metadata = { profile: 'launchdarkly' };
const M = LD_METERS;
const scope = ['projectKey', 'projectId', 'environmentKey', 'environmentId'];

export const launchdarklyPresets: MeterInput[] = [
  {
    slug: M.contexts,
    name: 'LaunchDarkly contexts',
    description: 'Distinct context keys; MAU is this for the primary context kind.',
    aggregation: 'UNIQUE_COUNT',
    eventType: T.context,
    valueProperty: '$.contextKey',
    groupBy: dims(
      ...scope,
      'contextKind',
      'anonymous',
      'sdkName',
      'sdkType',
      'sdkVersion',
      'sdkAppId',
      'category',
    ),
    metadata,
  },
  {
    slug: M.evaluations,
    name: 'LaunchDarkly flag evaluations',
    aggregation: 'SUM',
    eventType: T.evaluation,
    valueProperty: '$.count',
    groupBy: dims('projectKey', 'environmentKey', 'flagKey', 'variation'),
    metadata,
  },
  {
    slug: M.events,
    name: 'LaunchDarkly SDK events',
    aggregation: 'SUM',
    eventType: T.events,
    valueProperty: '$.count',
    groupBy: dims('direction'),
    metadata,
  },
  {
    slug: M.experimentationEvents,
    name: 'LaunchDarkly experimentation events',
    aggregation: 'SUM',
    eventType: T.experimentationEvent,
    valueProperty: '$.count',
    groupBy: dims(...scope, 'eventKey', 'eventKind'),
    metadata,
  },
  {
    slug: M.experimentationKeys,
    name: 'LaunchDarkly experimentation keys',
    aggregation: 'UNIQUE_COUNT',
    eventType: T.experimentationExposure,
    valueProperty: '$.contextKey',
    groupBy: dims(...scope, 'experimentId'),
    metadata,
  },
  {
    slug: M.dataExport,
    name: 'LaunchDarkly data export events',
    aggregation: 'SUM',
    eventType: T.dataExport,
    valueProperty: '$.count',
    groupBy: dims('projectKey', 'environmentKey', 'environmentId', 'eventKind'),
    metadata,
  },
  {
    slug: M.observability,
    name: 'LaunchDarkly observability records',
    aggregation: 'SUM',
    eventType: T.observability,
    valueProperty: '$.count',
    groupBy: dims('projectKey', 'kind'),
    metadata,
  },
  {
    slug: M.serviceConnections,
    name: 'LaunchDarkly service connection minutes',
    aggregation: 'SUM',
    eventType: T.serviceConnection,
    valueProperty: '$.minutes',
    groupBy: dims(
      ...scope,
      'connectionType',
      'relayVersion',
      'sdkName',
      'sdkVersion',
      'sdkType',
      'sdkAppId',
    ),
    metadata,
  },
  {
    slug: M.streams,
    name: 'LaunchDarkly streaming connections',
    aggregation: 'COUNT',
    eventType: T.streamConnection,
    groupBy: dims('source', 'sdk', 'version'),
    metadata,
  },
  {
    slug: M.vega,
    name: 'LaunchDarkly Vega AI usage',
    aggregation: 'SUM',
    eventType: T.vega,
    valueProperty: '$.count',
    groupBy: dims('projectKey'),
    metadata,
  },
];
