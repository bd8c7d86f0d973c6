// Declarative mapping of Livepeer's viewership metrics onto the preset meters. Every number is an
// engine metric expression (documented in docs/compat/livepeer.md); this file only names them:
//   viewCount        = views                                  (COUNT of view.started)
//   playtimeMins     = playtime ms / 60000                    (SUM of heartbeat playtimeMs)
//   ttffMs           = average ttffMs                          (AVG of view.firstframe ttffMs)
//   rebufferRatio    = rebuffer ms / (playtime ms + rebuffer ms)
//   errorRate        = views with an error / views
//   exitsBeforeStart = max(0, views - views that reached first frame) / views
// A ratio over no views is 0 (the engine's rule for division by zero).

import {
  add,
  constant,
  div,
  type MetricSet,
  max,
  meter,
  min,
  sub,
} from '../../../query/metric-expr.js';
import type { MetricRow, MetricsQuery } from '../../../query/metrics-query.js';
import type { WindowSize } from '../../../query/usage-query.js';
import type { UsagePort } from '../profile.js';
import { metricsQuery } from '../shared/usage-query-defaults.js';
import { LIVEPEER_METERS as M } from './presets.js';
import type { ViewershipMetric } from './schemas.js';

export const TIME_STEPS: Record<string, WindowSize> = {
  hour: 'HOUR',
  day: 'DAY',
  week: 'WEEK',
  month: 'MONTH',
  year: 'YEAR',
};

/** Livepeer's breakdown names onto native dimensions (the creator is the CloudEvent subject). */
export function nativeDim(breakdown: string): string {
  return breakdown === 'creatorId' ? 'subject' : breakdown;
}

export interface ViewScope {
  accountId: string;
  from: number;
  to: number;
  windowSize?: WindowSize;
  breakdown: string[];
  /** Dimension equality filters (playbackId, assetId, streamId). */
  equals: Record<string, string>;
  /** Allowed creators (subjects); empty means all. */
  creators: string[];
}

const views = meter(M.views);
const playtime = meter(M.playtime);
const rebuffer = meter(M.rebuffer);
const playtimeMins = div(playtime, constant(60_000));

export const VIEWERSHIP_METRICS: MetricSet = {
  viewCount: views,
  playtimeMins,
  ttffMs: meter(M.ttff),
  rebufferRatio: div(rebuffer, add(playtime, rebuffer)),
  errorRate: div(meter(M.errorViews), views),
  exitsBeforeStart: div(max(sub(views, meter(M.startedViews)), constant(0)), views),
};

/** "Now": viewers active in the last minute; error sessions may lack heartbeats, hence the cap. */
export const REALTIME_METRICS: MetricSet = {
  viewCount: meter(M.activeViewers),
  errorRate: min(div(meter(M.errorViews), meter(M.activeViewers)), constant(1)),
};

/** Public total views of a playback id: all time, the two numbers the public endpoint shows. */
export const PUBLIC_TOTAL_METRICS: MetricSet = {
  viewCount: views,
  playtimeMins,
};

/** The usage endpoint's totals over [from, to). */
export const USAGE_METRICS: MetricSet = {
  deliveryMins: playtimeMins,
  transcodeMins: meter(M.transcode),
};

/** Stored minutes: additions minus deletions since the beginning; never reported below 0. */
export const STORAGE_METRICS: MetricSet = {
  storedMins: max(meter(M.storage), constant(0)),
};

function scopedQuery(scope: ViewScope, metrics: MetricSet): MetricsQuery {
  return metricsQuery({
    metrics,
    from: scope.from,
    to: scope.to,
    ...(scope.windowSize ? { windowSize: scope.windowSize } : {}),
    groupBy: scope.breakdown.map(nativeDim),
    subjects: scope.creators,
    filters: Object.fromEntries(Object.entries(scope.equals).map(([k, v]) => [k, { $eq: v }])),
  });
}

export async function queryMetrics(
  usage: UsagePort,
  scope: ViewScope,
  metrics: MetricSet,
): Promise<MetricRow[]> {
  return (await usage.queryMetrics(scope.accountId, scopedQuery(scope, metrics))).rows;
}

/** Copies the breakdown values of a row onto a vendor record under Livepeer's names. */
export function breakdownFields(row: MetricRow, breakdown: readonly string[]) {
  const out: Record<string, string> = {};
  for (const b of breakdown) {
    const v = nativeDim(b) === 'subject' ? row.subject : row.groupBy[b];
    if (v !== null && v !== undefined) out[b] = v;
  }
  return out;
}

export async function viewershipMetrics(
  usage: UsagePort,
  scope: ViewScope,
): Promise<ViewershipMetric[]> {
  const rows = await queryMetrics(usage, scope, VIEWERSHIP_METRICS);
  // Livepeer lists only rows where something was watched.
  return rows
    .filter((r) => (r.values.viewCount ?? 0) > 0 || (r.values.playtimeMins ?? 0) > 0)
    .map((r) => {
      const v = r.values;
      const metric: ViewershipMetric = {
        viewCount: v.viewCount ?? 0,
        playtimeMins: v.playtimeMins ?? 0,
        rebufferRatio: v.rebufferRatio ?? 0,
        errorRate: v.errorRate ?? 0,
        exitsBeforeStart: v.exitsBeforeStart ?? 0,
      };
      if (v.ttffMs !== undefined) metric.ttffMs = v.ttffMs;
      if (scope.windowSize) metric.timestamp = r.windowStart;
      return Object.assign(metric, breakdownFields(r, scope.breakdown));
    });
}
