// HTTP routes of the Livepeer-compatible metrics API, mounted at /compat/livepeer/api. Paths
// after the prefix are Livepeer's own. Every handler: authenticate (Bearer), validate the query
// with zod, map onto native queries, render Livepeer's JSON.

import { type Context, Hono } from 'hono';
import type { z } from 'zod';
import type { CompatDeps, KeyKind } from '../profile.js';
import { AUTH_MESSAGES, authorize, bearerKey } from '../shared/auth.js';
import { malformedQueryPart, rawPathAfter, strictDecode } from '../shared/percent-encoding.js';
import { issueLines, queryObject } from '../shared/query-params.js';
import { totalsQuery } from '../shared/usage-query-defaults.js';
import { livepeerDomainError, livepeerError } from './errors.js';
import {
  breakdownFields,
  PUBLIC_TOTAL_METRICS,
  queryMetrics,
  REALTIME_METRICS,
  STORAGE_METRICS,
  TIME_STEPS,
  USAGE_METRICS,
  type ViewScope,
  viewershipMetrics,
} from './metric-mapping.js';
import {
  creatorViewershipQuery,
  type RealtimeViewershipMetric,
  realtimeQuery,
  type UsageMetric,
  usageMetricsQuery,
  viewershipQuery,
} from './schemas.js';

const PROFILE = 'livepeer';
/** "Now" is the last minute: a viewer is active when a heartbeat arrived within it. */
const REALTIME_SPAN_MS = 60_000;

type Parsed<T> = { ok: true; data: T } | { ok: false; res: Response };

function parseQuery<S extends z.ZodType>(c: Context, schema: S): Parsed<z.infer<S>> {
  const parsed = schema.safeParse(queryObject(c.req.url));
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, res: livepeerError(c, 400, ...issueLines(parsed.error.issues)) };
}

async function auth(
  c: Context,
  deps: CompatDeps,
  allowed: readonly KeyKind[] = ['secret'],
): Promise<{ ok: true; accountId: string; subject?: string } | { ok: false; res: Response }> {
  const out = await authorize(deps, bearerKey(c.req.header('authorization')), PROFILE, allowed);
  if (out.ok) {
    return {
      ok: true,
      accountId: out.key.accountId,
      ...(out.key.subject ? { subject: out.key.subject } : {}),
    };
  }
  return { ok: false, res: livepeerError(c, out.status, AUTH_MESSAGES[out.reason]) };
}

function equalsFilters(q: { playbackId?: string; assetId?: string; streamId?: string }) {
  const eq: Record<string, string> = {};
  if (q.playbackId) eq.playbackId = q.playbackId;
  if (q.assetId) eq.assetId = q.assetId;
  if (q.streamId) eq.streamId = q.streamId;
  return eq;
}

function rangeError(c: Context, from: number, to: number): Response | undefined {
  return from >= to ? livepeerError(c, 400, '"from" must be before "to"') : undefined;
}

export function livepeerRoutes(deps: CompatDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? Date.now;

  app.onError((err, c) => livepeerDomainError(c, err));
  // The URL parsers read a malformed escape leniently; a client that sent one made a mistake.
  app.use(async (c, next) => {
    const bad = malformedQueryPart(c.req.url);
    if (bad === undefined) return next();
    return livepeerError(c, 400, `malformed percent-encoding in "${bad}"`);
  });

  app.get('/data/views/now', async (c) => {
    const a = await auth(c, deps);
    if (!a.ok) return a.res;
    const q = parseQuery(c, realtimeQuery);
    if (!q.ok) return q.res;
    const t = now();
    const breakdown = q.data['breakdownBy[]'] ?? [];
    const scope: ViewScope = {
      accountId: a.accountId,
      from: t - REALTIME_SPAN_MS,
      to: t,
      breakdown,
      equals: equalsFilters(q.data),
      creators: q.data.creatorId ? [q.data.creatorId] : [],
    };
    const rows = await queryMetrics(deps.usage, scope, REALTIME_METRICS);
    const out: RealtimeViewershipMetric[] = rows
      .filter((r) => (r.values.viewCount ?? 0) > 0)
      .map((r) => ({
        viewCount: r.values.viewCount ?? 0,
        errorRate: r.values.errorRate ?? 0,
        ...breakdownFields(r, breakdown),
      }));
    // Without a breakdown the answer is one total, zero included.
    if (breakdown.length === 0 && out.length === 0) out.push({ viewCount: 0, errorRate: 0 });
    return c.json(out);
  });

  app.get('/data/views/query', async (c) => {
    const a = await auth(c, deps);
    if (!a.ok) return a.res;
    const q = parseQuery(c, viewershipQuery);
    if (!q.ok) return q.res;
    const from = q.data.from ?? 0;
    const to = q.data.to ?? now();
    const bad = rangeError(c, from, to);
    if (bad) return bad;
    const scope: ViewScope = {
      accountId: a.accountId,
      from,
      to,
      ...(q.data.timeStep ? { windowSize: TIME_STEPS[q.data.timeStep] } : {}),
      breakdown: q.data['breakdownBy[]'] ?? [],
      equals: equalsFilters(q.data),
      creators: q.data.creatorId ? [q.data.creatorId] : [],
    };
    return c.json(await viewershipMetrics(deps.usage, scope));
  });

  app.get('/data/views/query/creator', async (c) => {
    const a = await auth(c, deps);
    if (!a.ok) return a.res;
    const q = parseQuery(c, creatorViewershipQuery);
    if (!q.ok) return q.res;
    // Livepeer's proof of ownership: the caller must name the asset or stream.
    if (!q.data.assetId && !q.data.streamId) {
      return livepeerError(c, 400, 'assetId or streamId is required');
    }
    const from = q.data.from ?? 0;
    const to = q.data.to ?? now();
    const bad = rangeError(c, from, to);
    if (bad) return bad;
    const scope: ViewScope = {
      accountId: a.accountId,
      from,
      to,
      ...(q.data.timeStep ? { windowSize: TIME_STEPS[q.data.timeStep] } : {}),
      breakdown: q.data['breakdownBy[]'] ?? [],
      equals: equalsFilters(q.data),
      creators: q.data.creatorId ? [q.data.creatorId] : [],
    };
    return c.json(await viewershipMetrics(deps.usage, scope));
  });

  app.get('/data/views/query/total/:playbackId{.+}', async (c) => {
    // Decoded once, strictly, from the raw path: the router's parameter is already decoded, and
    // leniently, so decoding it again would read "%2525" as "%" and throw on a malformed escape.
    const playbackId = strictDecode(rawPathAfter(c.req.url, '/data/views/query/total/') ?? '');
    if (playbackId === undefined || playbackId === '') {
      return livepeerError(c, 400, 'playbackId must be a percent-encoded path segment');
    }
    const raw = bearerKey(c.req.header('authorization'));
    let accounts: string[];
    let creators: string[] = [];
    if (raw) {
      // A key, when sent, must be valid; a publishable key sees only its own subject.
      const a = await auth(c, deps, ['secret', 'publishable']);
      if (!a.ok) return a.res;
      accounts = [a.accountId];
      if (a.subject) creators = [a.subject];
    } else {
      accounts = (await deps.accounts.withProfile?.(PROFILE)) ?? [];
    }
    const t = now();
    for (const accountId of accounts) {
      const m = await deps.usage.queryTotals(
        accountId,
        totalsQuery({
          from: 0,
          to: t,
          subjects: creators,
          filters: { playbackId: { $eq: playbackId } },
          metrics: PUBLIC_TOTAL_METRICS,
        }),
      );
      if ((m.viewCount ?? 0) > 0) {
        return c.json({ playbackId, viewCount: m.viewCount, playtimeMins: m.playtimeMins });
      }
    }
    return c.json({ playbackId, viewCount: 0, playtimeMins: 0 });
  });

  app.get('/data/usage/query', async (c) => {
    const a = await auth(c, deps);
    if (!a.ok) return a.res;
    const q = parseQuery(c, usageMetricsQuery);
    if (!q.ok) return q.res;
    const from = q.data.from ?? 0;
    const to = q.data.to ?? now();
    const bad = rangeError(c, from, to);
    if (bad) return bad;
    const subjects = q.data.creatorId ? [q.data.creatorId] : [];
    const [delivery, stored] = await Promise.all([
      deps.usage.queryTotals(
        a.accountId,
        totalsQuery({ from, to, subjects, metrics: USAGE_METRICS }),
      ),
      // Storage is a stock: the running total of additions and deletions up to `to`.
      deps.usage.queryTotals(
        a.accountId,
        totalsQuery({ from: 0, to, subjects, metrics: STORAGE_METRICS }),
      ),
    ]);
    const body: UsageMetric = {
      UserID: a.accountId,
      DeliveryUsageMins: delivery.deliveryMins ?? 0,
      TotalUsageMins: delivery.transcodeMins ?? 0,
      StorageUsageMins: stored.storedMins ?? 0,
    };
    if (q.data.creatorId) body.CreatorID = q.data.creatorId;
    return c.json(body);
  });

  return app;
}
