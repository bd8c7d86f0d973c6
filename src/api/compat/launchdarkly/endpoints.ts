// Declarative table of the LaunchDarkly-compatible series endpoints: which meter answers each,
// which query parameters filter which dimension, which `groupBy` values are valid, the fixed
// filters an endpoint implies, its aggregation types and granularities, and its default range.
// The one generic handler in series-handler.ts interprets these entries.

import type { AggregationMode } from '../../../query/usage-query.js';
import { PRIMARY_CONTEXT_KIND } from './event-shape.js';
import { LD_METERS as M } from './presets.js';

export type DefaultRange = 'month' | '30d' | '24h';

export interface SeriesEndpoint {
  /** Path after /api/v2/usage, Hono syntax. */
  path: string;
  meter: string;
  /**
   * modern: `granularity` (daily default) and `aggregationType` (month_to_date default);
   * legacy: the window follows the age of the range (minutely if it starts within the past 2 h,
   * hourly within the last 2 days, else daily; LD_AUTO_WINDOW) with `tz`; daily: always daily
   * windows (legacy MAU).
   */
  windows: 'modern' | 'legacy' | 'daily';
  /** Query parameter -> dimension it filters (repeatable: any of the values). */
  filters: Record<string, string>;
  /** Name of the group-by parameter and its valid values -> dimension. */
  groupParam?: 'groupBy' | 'groupby';
  groupValues?: Record<string, string>;
  /** Dimensions always grouped by (e.g. contextKind for contexts). */
  alwaysGroup?: string[];
  /** Dimension -> value the endpoint itself implies. */
  fixed?: Record<string, string>;
  /** Path parameter -> dimension; `enums` lists the valid values where the vendor has some. */
  pathDims?: Record<string, { dim: string; enums?: string[] }>;
  /** Default for a filter parameter when absent (legacy MAU: contextKind defaults to user). */
  filterDefaults?: Record<string, string>;
  aggregations: Record<string, AggregationMode>;
  defaultAggregation: string;
  granularities: string[];
  defaultRange: DefaultRange;
  /** environment filters need exactly one project: [environment param, project param]. */
  oneProjectFor?: [string, string];
  /** Also emit `value` per point, so that the 17.2.0 client's SeriesIntervalsRep reads it. */
  intervalsCompat?: boolean;
}

const MTD: AggregationMode = { kind: 'cumulative', period: 'MONTH' };
const INCREMENTAL: AggregationMode = { kind: 'incremental' };
const ROLLING_30D: AggregationMode = { kind: 'rolling', span: { unit: 'DAY', count: 30 } };

const CONTEXT_AGGS = { month_to_date: MTD, incremental: INCREMENTAL, rolling_30d: ROLLING_30D };
const COUNT_AGGS = { month_to_date: MTD, incremental: INCREMENTAL };

const scopeFilters = { projectKey: 'projectKey', environmentKey: 'environmentKey' };
const modern = {
  windows: 'modern' as const,
  groupParam: 'groupBy' as const,
  defaultAggregation: 'month_to_date',
  defaultRange: 'month' as const,
  oneProjectFor: ['environmentKey', 'projectKey'] as [string, string],
};

const contextGroups = {
  projectId: 'projectId',
  environmentId: 'environmentId',
  sdkName: 'sdkName',
  sdkAppId: 'sdkAppId',
  anonymousV2: 'anonymous',
};
const contextFilters = { ...scopeFilters, sdkName: 'sdkName', anonymous: 'anonymous' };

const contexts = (
  fixed: Record<string, string>,
  withSdkType: boolean,
): Omit<SeriesEndpoint, 'path'> => ({
  ...modern,
  meter: M.contexts,
  filters: {
    ...contextFilters,
    contextKind: 'contextKind',
    ...(withSdkType ? { sdkType: 'sdkType' } : {}),
  },
  groupValues: { ...contextGroups, ...(withSdkType ? { sdkType: 'sdkType' } : {}) },
  alwaysGroup: ['contextKind'],
  fixed,
  aggregations: CONTEXT_AGGS,
  granularities: ['daily', 'monthly'],
});

const mau = (
  fixed: Record<string, string>,
  withSdkType: boolean,
): Omit<SeriesEndpoint, 'path'> => ({
  ...contexts({ ...fixed, contextKind: PRIMARY_CONTEXT_KIND }, withSdkType),
  filters: { ...contextFilters, ...(withSdkType ? { sdkType: 'sdkType' } : {}) },
  alwaysGroup: [],
});

const observability = (kind: string, metrics = false): SeriesEndpoint => ({
  ...modern,
  path: `/observability/${kind}`,
  meter: M.observability,
  filters: { projectKey: 'projectKey' },
  groupParam: undefined,
  fixed: { kind },
  aggregations: metrics ? { month_to_date: MTD, average: INCREMENTAL } : CONTEXT_AGGS,
  granularities: metrics ? ['hourly', 'daily', 'monthly'] : ['daily', 'monthly'],
});

const legacy = {
  windows: 'legacy' as const,
  aggregations: { incremental: INCREMENTAL },
  defaultAggregation: 'incremental',
  granularities: [],
  defaultRange: '30d' as const,
};

export const SERIES_ENDPOINTS: SeriesEndpoint[] = [
  { path: '/clientside-contexts', ...contexts({ sdkType: 'client' }, false) },
  { path: '/serverside-contexts', ...contexts({ sdkType: 'server' }, false) },
  { path: '/total-contexts', ...contexts({}, true) },
  { path: '/clientside-mau', ...mau({ sdkType: 'client' }, false) },
  { path: '/total-mau', ...mau({}, true) },
  {
    ...modern,
    path: '/data-export-events',
    meter: M.dataExport,
    filters: { ...scopeFilters, eventKind: 'eventKind' },
    groupValues: { environmentId: 'environmentId', eventKind: 'eventKind' },
    aggregations: COUNT_AGGS,
    granularities: ['daily', 'hourly', 'monthly'],
    intervalsCompat: true,
  },
  {
    ...modern,
    path: '/experimentation-events',
    meter: M.experimentationEvents,
    filters: { ...scopeFilters, eventKey: 'eventKey', eventKind: 'eventKind' },
    groupValues: { environmentId: 'environmentId', eventKey: 'eventKey', eventKind: 'eventKind' },
    aggregations: COUNT_AGGS,
    granularities: ['daily', 'hourly', 'monthly'],
  },
  ...['/experimentation-keys', '/experimentation-units'].map(
    (path): SeriesEndpoint => ({
      ...modern,
      path,
      meter: M.experimentationKeys,
      filters: { ...scopeFilters, experimentId: 'experimentId' },
      groupValues: {
        projectId: 'projectId',
        environmentId: 'environmentId',
        experimentId: 'experimentId',
      },
      aggregations: COUNT_AGGS,
      granularities: ['daily', 'hourly', 'monthly'],
      intervalsCompat: true,
    }),
  ),
  {
    ...modern,
    path: '/service-connections',
    meter: M.serviceConnections,
    filters: {
      ...scopeFilters,
      connectionType: 'connectionType',
      relayVersion: 'relayVersion',
      sdkName: 'sdkName',
      sdkVersion: 'sdkVersion',
      sdkType: 'sdkType',
      sdkAppId: 'sdkAppId',
    },
    groupValues: {
      projectId: 'projectId',
      environmentId: 'environmentId',
      connectionType: 'connectionType',
      relayVersion: 'relayVersion',
      sdkName: 'sdkName',
      sdkVersion: 'sdkVersion',
      sdkType: 'sdkType',
      sdkAppId: 'sdkAppId',
    },
    aggregations: COUNT_AGGS,
    granularities: ['daily', 'hourly', 'monthly'],
    intervalsCompat: true,
  },
  observability('errors'),
  observability('logs'),
  observability('metrics', true),
  observability('sessions'),
  observability('traces'),
  { ...observability('x'), path: '/vega-ai', meter: M.vega, fixed: {} },
  {
    ...legacy,
    path: '/evaluations/:projectKey/:environmentKey/:featureFlagKey',
    meter: M.evaluations,
    filters: {},
    pathDims: {
      projectKey: { dim: 'projectKey' },
      environmentKey: { dim: 'environmentKey' },
      featureFlagKey: { dim: 'flagKey' },
    },
    alwaysGroup: ['variation'],
  },
  {
    ...legacy,
    path: '/events/:type',
    meter: M.events,
    filters: {},
    pathDims: { type: { dim: 'direction', enums: ['received', 'published'] } },
    defaultRange: '24h',
  },
  {
    ...legacy,
    path: '/streams/:source',
    meter: M.streams,
    filters: {},
    pathDims: { source: { dim: 'source', enums: ['client', 'server'] } },
  },
  {
    ...legacy,
    path: '/streams/:source/bysdkversion',
    meter: M.streams,
    filters: { sdk: 'sdk', version: 'version' },
    pathDims: { source: { dim: 'source', enums: ['client', 'server'] } },
    alwaysGroup: ['sdk', 'version'],
    defaultRange: '24h',
  },
  {
    path: '/mau',
    meter: M.contexts,
    windows: 'daily',
    filters: {
      project: 'projectKey',
      environment: 'environmentKey',
      sdktype: 'sdkType',
      sdk: 'sdkName',
      anonymous: 'anonymous',
      contextKind: 'contextKind',
    },
    filterDefaults: { contextKind: PRIMARY_CONTEXT_KIND },
    groupParam: 'groupby',
    groupValues: {
      project: 'projectKey',
      environment: 'environmentKey',
      sdktype: 'sdkType',
      sdk: 'sdkName',
      anonymous: 'anonymous',
      contextKind: 'contextKind',
      sdkAppId: 'sdkAppId',
    },
    aggregations: { rolling_30d: ROLLING_30D, month_to_date: MTD, daily_incremental: INCREMENTAL },
    defaultAggregation: 'rolling_30d',
    granularities: [],
    defaultRange: '30d',
    oneProjectFor: ['environment', 'project'],
  },
  {
    path: '/mau/bycategory',
    meter: M.contexts,
    windows: 'daily',
    filters: {},
    fixed: { contextKind: PRIMARY_CONTEXT_KIND },
    alwaysGroup: ['category'],
    aggregations: { rolling_30d: ROLLING_30D },
    defaultAggregation: 'rolling_30d',
    granularities: [],
    defaultRange: '30d',
  },
];
