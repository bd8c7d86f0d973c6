// Declarative mapping of Livepeer's viewership metrics onto the preset meters, and the derived
// ratios (documented in docs/compat/livepeer.md):
//   viewCount        = views                                  (COUNT of view.started)
//   playtimeMins     = playtime ms / 60000                    (SUM of heartbeat playtimeMs)
//   ttffMs           = average ttffMs                          (AVG of view.firstframe ttffMs)
//   rebufferRatio    = rebuffer ms / (playtime ms + rebuffer ms)
//   errorRate        = views with an error / views
//   exitsBeforeStart = (views - views that reached first frame) / views

import type { UsageQuery, WindowSize } from '../../../query/usage-query.js';
import type { UsagePort } from '../profile.js';
import { type JoinedRow, joinRows } from '../shared/row-join.js';
import { usageQuery } from '../shared/usage-query-defaults.js';
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

function scopedQuery(scope: ViewScope, meterSlug: string): UsageQuery {
  return usageQuery({
    meterSlug,
    from: scope.from,
    to: scope.to,
    ...(scope.windowSize ? { windowSize: scope.windowSize } : {}),
    groupBy: scope.breakdown.map(nativeDim),
    subjects: scope.creators,
    filters: Object.fromEntries(Object.entries(scope.equals).map(([k, v]) => [k, { $eq: v }])),
  });
}

const VIEWERSHIP_SERIES = {
  views: M.views,
  started: M.startedViews,
  ttff: M.ttff,
  playtime: M.playtime,
  rebuffer: M.rebuffer,
  errors: M.errorViews,
} as const;

export async function queryJoined(
  usage: UsagePort,
  scope: ViewScope,
  series: Record<string, string>,
): Promise<JoinedRow[]> {
  const names = Object.keys(series);
  const results = await Promise.all(
    names.map((n) => usage.query(scope.accountId, scopedQuery(scope, series[n] ?? ''))),
  );
  return joinRows(
    Object.fromEntries(names.map((n, i) => [n, results[i] ?? { rows: [] }])),
    scope.breakdown.map(nativeDim),
  );
}

const ratio = (num: number, den: number): number => (den > 0 ? num / den : 0);

export async function viewershipMetrics(
  usage: UsagePort,
  scope: ViewScope,
): Promise<ViewershipMetric[]> {
  const rows = await queryJoined(usage, scope, VIEWERSHIP_SERIES);
  return rows
    .filter((r) => (r.values.views ?? 0) > 0 || (r.values.playtime ?? 0) > 0)
    .map((r) => {
      const views = Math.round(r.values.views ?? 0);
      const playtime = r.values.playtime ?? 0;
      const rebuffer = r.values.rebuffer ?? 0;
      const metric: ViewershipMetric = {
        viewCount: views,
        playtimeMins: playtime / 60_000,
        rebufferRatio: ratio(rebuffer, playtime + rebuffer),
        errorRate: ratio(r.values.errors ?? 0, views),
        exitsBeforeStart: ratio(Math.max(0, views - (r.values.started ?? 0)), views),
      };
      if (r.values.ttff !== undefined) metric.ttffMs = r.values.ttff;
      if (scope.windowSize) metric.timestamp = r.windowStart;
      for (const b of scope.breakdown) {
        const v = r.dims[nativeDim(b)];
        if (v !== null && v !== undefined) (metric as Record<string, unknown>)[b] = v;
      }
      return metric;
    });
}
