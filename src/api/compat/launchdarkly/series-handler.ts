// The one handler behind every LaunchDarkly-compatible series endpoint: it validates the query as
// LaunchDarkly documents it, turns the endpoint's table entry into a native UsageQuery, and renders
// a SeriesListRep (one series per group, its dimensions in `metadata`, points keyed "0", "1", ...).

import type { Context } from 'hono';
import { type MeasuredAutoWindowPolicy, resolveAutoWindow } from '../../../query/auto-window.js';
import type { FilterString, UsageResult, WindowSize } from '../../../query/usage-query.js';
import { invalidRequest } from '../kit/request-errors.js';
import { asList, queryObject } from '../shared/query-params.js';
import type { usageQuery } from '../shared/usage-query-defaults.js';
import type { SeriesEndpoint } from './endpoints.js';
import { parseEpoch, type SeriesListRep } from './schemas.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_RANGE_MS = 365 * DAY;

const GRANULARITY: Record<string, WindowSize> = { hourly: 'HOUR', daily: 'DAY', monthly: 'MONTH' };

/**
 * LaunchDarkly's automatic granularity follows the age of the data requested, not the length of
 * the range: minutely if the range lies within the past two hours, hourly within the last two
 * days, otherwise daily (a 6-hour range a week old is daily).
 */
export const LD_AUTO_WINDOW: MeasuredAutoWindowPolicy = {
  basis: 'age',
  steps: [
    { upToMs: 2 * HOUR, windowSize: 'MINUTE' },
    { upToMs: 2 * DAY, windowSize: 'HOUR' },
  ],
  otherwise: 'DAY',
};

function defaultFrom(range: SeriesEndpoint['defaultRange'], now: number): number {
  if (range === '24h') return now - DAY;
  if (range === '30d') return now - 30 * DAY;
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export interface SeriesRequest {
  accountId: string;
  now: number;
  /** Subject restriction of the key, if any. */
  subjects: string[];
  run(accountId: string, q: Parameters<typeof usageQuery>[0]): Promise<UsageResult>;
}

/**
 * from/to of a request: epoch ms or s, defaults per endpoint, at most 365 days. An inverted range
 * is left to the planner, which every query of this profile goes through.
 */
export function parseRange(
  params: Record<string, string | string[]>,
  fallbackFrom: number,
  now: number,
): { from: number; to: number } {
  const one = (k: string) => asList(params[k])[0];
  const rawFrom = one('from');
  const rawTo = one('to');
  const from = rawFrom === undefined ? fallbackFrom : parseEpoch(rawFrom);
  const to = rawTo === undefined ? now : parseEpoch(rawTo);
  if (from === undefined) throw invalidRequest('from must be a Unix timestamp');
  if (to === undefined) throw invalidRequest('to must be a Unix timestamp');
  if (to - from > MAX_RANGE_MS) throw invalidRequest('The maximum time range is 365 days');
  return { from, to };
}

export async function seriesResponse(
  c: Context,
  ep: SeriesEndpoint,
  req: SeriesRequest,
): Promise<SeriesListRep> {
  const params = queryObject(c.req.url);
  const range = parseRange(params, defaultFrom(ep.defaultRange, req.now), req.now);
  const { from, to } = range;

  const aggregationType = asList(params.aggregationType)[0] ?? ep.defaultAggregation;
  const mode = ep.aggregations[aggregationType];
  if (!mode) {
    throw invalidRequest(
      `aggregationType must be one of: ${Object.keys(ep.aggregations).join(', ')}`,
    );
  }

  let windowSize: WindowSize;
  let timeZone = 'UTC';
  if (ep.windows === 'modern') {
    const granularity = asList(params.granularity)[0] ?? 'daily';
    if (!ep.granularities.includes(granularity)) {
      throw invalidRequest(`granularity must be one of: ${ep.granularities.join(', ')}`);
    }
    if (granularity === 'monthly' && aggregationType !== 'month_to_date') {
      throw invalidRequest(
        'monthly granularity is only supported with the month_to_date aggregation type',
      );
    }
    if (aggregationType === 'rolling_30d' && granularity !== 'daily') {
      throw invalidRequest('rolling_30d supports daily granularity only');
    }
    windowSize = GRANULARITY[granularity] ?? 'DAY';
  } else if (ep.windows === 'legacy') {
    // Resolved here rather than by the planner: an age is measured from the request's clock.
    windowSize = resolveAutoWindow(LD_AUTO_WINDOW, range, req.now);
    timeZone = asList(params.tz)[0] ?? 'UTC';
  } else {
    windowSize = 'DAY';
  }

  if (ep.oneProjectFor) {
    const [envParam, projectParam] = ep.oneProjectFor;
    if (asList(params[envParam]).length > 0 && asList(params[projectParam]).length !== 1) {
      throw invalidRequest(`${envParam} requires exactly one ${projectParam}`);
    }
  }

  const filters: Record<string, FilterString> = {};
  const constant: Record<string, string> = {};
  for (const [dim, value] of Object.entries(ep.fixed ?? {})) {
    filters[dim] = { $eq: value };
    constant[dim] = value;
  }
  for (const [name, spec] of Object.entries(ep.pathDims ?? {})) {
    const value = c.req.param(name) ?? '';
    if (spec.enums && !spec.enums.includes(value)) {
      throw invalidRequest(`${name} must be one of: ${spec.enums.join(', ')}`);
    }
    filters[spec.dim] = { $eq: value };
    constant[name] = value;
  }
  for (const [param, dim] of Object.entries(ep.filters)) {
    const values = asList(params[param]);
    const fallback = ep.filterDefaults?.[param];
    const list = values.length > 0 ? values : fallback ? [fallback] : [];
    if (list.length === 1) filters[dim] = { $eq: list[0] ?? '' };
    else if (list.length > 1) filters[dim] = { $in: list };
  }

  const groups: [wire: string, dim: string][] = (ep.alwaysGroup ?? []).map((d) => [d, d]);
  if (ep.groupParam) {
    for (const g of asList(params[ep.groupParam])) {
      const dim = ep.groupValues?.[g];
      if (!dim) {
        throw invalidRequest(
          `${ep.groupParam} must be one of: ${Object.keys(ep.groupValues ?? {}).join(', ')}`,
        );
      }
      if (!groups.some(([, d]) => d === dim)) groups.push([g, dim]);
    }
  }

  const query: Parameters<typeof usageQuery>[0] = {
    meterSlug: ep.meter,
    from,
    to,
    windowSize,
    timeZone,
    groupBy: groups.map(([, d]) => d),
    subjects: req.subjects,
    filters,
    mode,
    fillZero: true,
  };
  // The 17.2.0 client reads one `value` per point: the same query ungrouped, so a context seen in
  // two groups counts once (a sum of per-group distinct counts would count it twice).
  const [result, total] = await Promise.all([
    req.run(req.accountId, query),
    ep.intervalsCompat && groups.length > 0
      ? req.run(req.accountId, { ...query, groupBy: [] })
      : undefined,
  ]);
  const body = renderSeries(c, result, groups, constant);
  if (ep.intervalsCompat) addIntervalValues(body, total ?? result);
  return body;
}

/** Copies the ungrouped value of each point's window into `value`. */
function addIntervalValues(body: SeriesListRep, total: UsageResult): void {
  const at = new Map(total.rows.map((r) => [r.windowStart, r.value]));
  for (const p of body.series) p.value = (p.time === undefined ? undefined : at.get(p.time)) ?? 0;
}

export function selfLinks(c: Context): Record<string, unknown> {
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf('/api/v2/');
  return {
    self: {
      href: `${at >= 0 ? url.pathname.slice(at) : url.pathname}${url.search}`,
      type: 'application/json',
    },
  };
}

function renderSeries(
  c: Context,
  result: UsageResult,
  groups: [string, string][],
  constant: Record<string, string>,
): SeriesListRep {
  const seriesIndex = new Map<string, number>();
  const metadata: Record<string, unknown>[] = [];
  const points = new Map<number, Record<string, number>>();
  const sorted = [...result.rows].sort((a, b) => a.windowStart - b.windowStart);
  const keyOf = (row: (typeof sorted)[number]) => groups.map(([, d]) => row.groupBy[d] ?? null);
  // Series order: by group values, so that it does not depend on which window came first.
  const groupKeys = [...new Set(sorted.map((r) => JSON.stringify(keyOf(r))))].sort();
  for (const k of groupKeys) {
    const values = JSON.parse(k) as (string | null)[];
    seriesIndex.set(k, metadata.length);
    metadata.push({ ...constant, ...Object.fromEntries(groups.map(([w], i) => [w, values[i]])) });
  }
  for (const row of sorted) {
    const idx = seriesIndex.get(JSON.stringify(keyOf(row))) ?? 0;
    let point = points.get(row.windowStart);
    if (!point) {
      point = { time: row.windowStart };
      points.set(row.windowStart, point);
    }
    point[String(idx)] = row.value;
  }
  const series = [...points.values()].map((p) => {
    // Dense series: every series has a value at every point.
    for (let i = 0; i < metadata.length; i++) p[String(i)] ??= 0;
    return p;
  });
  return { _links: selfLinks(c), metadata, series };
}
