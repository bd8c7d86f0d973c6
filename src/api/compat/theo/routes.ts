// Routes of the THEO-compatible usage API, mounted at /compat/theo/v2:
// GET /channels/{channelId}/analytics/{viewing-minutes|bytes-transferred|transcoding-minutes}.
// Buckets are calendar windows of `resolution` in the `utcOffset` zone, zero-filled, one record
// per group (or one per bucket, for the channel, without groupBy).

import type { Context } from 'hono';
import type { FilterString, WindowSize } from '../../../query/usage-query.js';
import { compatKit } from '../kit/compat-app.js';
import { bearerKey, type CompatEnv, keySubjects, verifiedKey } from '../kit/key-auth.js';
import { parseQuery } from '../kit/parse-query.js';
import { invalidRequest } from '../kit/request-errors.js';
import type { CompatDeps } from '../profile.js';
import { usageQuery } from '../shared/usage-query-defaults.js';
import { THEO_ENDPOINTS, type TheoEndpoint } from './endpoints.js';
import { theoErrors } from './errors.js';
import { type AnalyticsResponse, analyticsParams } from './schemas.js';
import { offsetZone, parseInstant } from './time-params.js';

const WINDOWS: Record<string, WindowSize> = {
  '15min': 'FIFTEEN_MINUTES',
  hour: 'HOUR',
  day: 'DAY',
  month: 'MONTH',
};
const WINDOW_MS: Record<string, number> = {
  '15min': 900_000,
  hour: 3_600_000,
  day: 86_400_000,
  month: 28 * 86_400_000,
};
/** Guards against a 15-minute series over years: the response would be unusably large. */
const MAX_BUCKETS = 20_000;

/** THEO tokens are sent as HTTP Basic (token:secret); Tally accepts the key in either half. */
function theoKey(header: string | undefined): string | undefined {
  const bearer = bearerKey(header);
  if (bearer) return bearer;
  const m = /^basic\s+(.+)$/i.exec(header?.trim() ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const [user = '', pass = ''] = decoded.split(/:(.*)/s);
  return user || pass || undefined;
}

const csv = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function handle(c: Context<CompatEnv>, deps: CompatDeps, ep: TheoEndpoint) {
  const key = verifiedKey(c);
  const q = parseQuery(c, analyticsParams);
  const offset = q.utcOffset ?? 0;
  const from = parseInstant(q.start, offset, false);
  const to = parseInstant(q.end, offset, true);
  if (from === undefined) throw invalidRequest('start must be a date or date-time');
  if (to === undefined) throw invalidRequest('end must be a date or date-time');
  // An inverted range is refused by the planner, as `start` (errors.ts names it).
  if ((to - from) / (WINDOW_MS[q.resolution] ?? 1) > MAX_BUCKETS) {
    throw invalidRequest(`too many ${q.resolution} buckets; use a coarser resolution`);
  }
  let groupDim: string | undefined;
  if (q.groupBy !== undefined) {
    groupDim = ep.groupBy[q.groupBy];
    if (!groupDim) {
      throw invalidRequest(`groupBy must be one of: ${Object.keys(ep.groupBy).join(', ')}`);
    }
  }
  const channelId = c.req.param('channelId') ?? '';
  const filters: Record<string, FilterString> = { channelId: { $eq: channelId } };
  for (const [param, dim] of Object.entries(ep.filters)) {
    const ids = csv(q[param as keyof typeof q] as string | undefined);
    if (ids.length > 0) filters[dim] = { $in: ids };
  }
  const result = await deps.usage.query(
    key.accountId,
    usageQuery({
      meterSlug: ep.meter,
      from,
      to,
      windowSize: WINDOWS[q.resolution] ?? 'DAY',
      timeZone: offsetZone(offset),
      groupBy: groupDim ? [groupDim] : [],
      subjects: keySubjects(key),
      filters,
      fillZero: true,
    }),
  );
  const buckets = new Map<number, { id: string; amount: number }[]>();
  for (const row of [...result.rows].sort((x, y) => x.windowStart - y.windowStart)) {
    const records = buckets.get(row.windowStart) ?? [];
    buckets.set(row.windowStart, records);
    const id = groupDim ? (row.groupBy[groupDim] ?? 'unknown') : channelId;
    if (groupDim && row.value === 0 && row.groupBy[groupDim] == null) continue;
    records.push({ id, amount: row.value });
  }
  const body: AnalyticsResponse = {
    data: [...buckets.entries()].map(([t, records]) => ({
      timestamp: new Date(t).toISOString(),
      records: records.sort((x, y) => x.id.localeCompare(y.id)),
    })),
  };
  return c.json(body);
}

export function theoRoutes(deps: CompatDeps) {
  const { app, get } = compatKit(deps, {
    profile: 'theo',
    rawKey: (c) => theoKey(c.req.header('authorization')),
    errors: theoErrors,
  });
  for (const ep of THEO_ENDPOINTS) {
    get(`/channels/:channelId/analytics/${ep.path}`, (c) => handle(c, deps, ep));
  }
  return app;
}
