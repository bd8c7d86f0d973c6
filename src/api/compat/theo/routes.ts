// Routes of the THEO-compatible usage API, mounted at /compat/theo/v2:
// GET /channels/{channelId}/analytics/{viewing-minutes|bytes-transferred|transcoding-minutes}.
// Buckets are calendar windows of `resolution` in the `utcOffset` zone, zero-filled, one record
// per group (or one per bucket, for the channel, without groupBy).

import { type Context, Hono } from 'hono';
import type { FilterString, WindowSize } from '../../../query/usage-query.js';
import type { CompatDeps } from '../profile.js';
import { AUTH_MESSAGES, authorize, bearerKey } from '../shared/auth.js';
import { issueLines, queryObject } from '../shared/query-params.js';
import { usageQuery } from '../shared/usage-query-defaults.js';
import { THEO_ENDPOINTS, type TheoEndpoint } from './endpoints.js';
import { theoDomainError, theoError } from './errors.js';
import { type AnalyticsResponse, analyticsParams } from './schemas.js';

const PROFILE = 'theo';
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

function offsetZone(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}

/** A date (midnight in the offset zone), or a date-time (its own zone, else the offset zone). */
function parseInstant(raw: string, offsetMin: number, endOfDay: boolean): number | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (day) {
    const ms = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) - offsetMin * 60_000;
    // An end date covers its whole day: end=2025-01-31 includes January 31st.
    return endOfDay ? ms + 86_400_000 : ms;
  }
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}${offsetZone(offsetMin)}`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : undefined;
}

const csv = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function handle(c: Context, deps: CompatDeps, ep: TheoEndpoint): Promise<Response> {
  const a = await authorize(deps, theoKey(c.req.header('authorization')), PROFILE);
  if (!a.ok) return theoError(c, a.status, AUTH_MESSAGES[a.reason]);
  const parsed = analyticsParams.safeParse(queryObject(c.req.url));
  if (!parsed.success) return theoError(c, 400, issueLines(parsed.error.issues).join('; '));
  const q = parsed.data;
  const offset = q.utcOffset ?? 0;
  const from = parseInstant(q.start, offset, false);
  const to = parseInstant(q.end, offset, true);
  if (from === undefined) return theoError(c, 400, 'start must be a date or date-time');
  if (to === undefined) return theoError(c, 400, 'end must be a date or date-time');
  if (from >= to) return theoError(c, 400, 'start must be before end');
  if ((to - from) / (WINDOW_MS[q.resolution] ?? 1) > MAX_BUCKETS) {
    return theoError(c, 400, `too many ${q.resolution} buckets; use a coarser resolution`);
  }
  let groupDim: string | undefined;
  if (q.groupBy !== undefined) {
    groupDim = ep.groupBy[q.groupBy];
    if (!groupDim) {
      return theoError(c, 400, `groupBy must be one of: ${Object.keys(ep.groupBy).join(', ')}`);
    }
  }
  const channelId = c.req.param('channelId') ?? '';
  const filters: Record<string, FilterString> = { channelId: { $eq: channelId } };
  for (const [param, dim] of Object.entries(ep.filters)) {
    const ids = csv(q[param as keyof typeof q] as string | undefined);
    if (ids.length > 0) filters[dim] = { $in: ids };
  }
  const result = await deps.usage.query(
    a.key.accountId,
    usageQuery({
      meterSlug: ep.meter,
      from,
      to,
      windowSize: WINDOWS[q.resolution] ?? 'DAY',
      timeZone: offsetZone(offset),
      groupBy: groupDim ? [groupDim] : [],
      subjects: a.key.subject ? [a.key.subject] : [],
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

export function theoRoutes(deps: CompatDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => theoDomainError(c, err));
  for (const ep of THEO_ENDPOINTS) {
    app.get(`/channels/:channelId/analytics/${ep.path}`, (c) => handle(c, deps, ep));
  }
  return app;
}
