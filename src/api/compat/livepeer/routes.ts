// HTTP routes of the Livepeer-compatible metrics API, mounted at /compat/livepeer/api. Paths
// after the prefix are Livepeer's own. Every handler: authenticate (Bearer), validate the query
// with zod, map onto native queries, render Livepeer's JSON.

import type { Context } from 'hono';
import type { z } from 'zod';
import { compatKit } from '../kit/compat-app.js';
import { authorizationBearer, type CompatEnv, verifiedKey } from '../kit/key-auth.js';
import { parseQuery } from '../kit/parse-query.js';
import { invalidRequest } from '../kit/request-errors.js';
import type { CompatDeps } from '../profile.js';
import { malformedQueryPart, rawPathAfter, strictDecode } from '../shared/percent-encoding.js';
import { totalsQuery } from '../shared/usage-query-defaults.js';
import { livepeerErrors } from './errors.js';
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

function equalsFilters(q: { playbackId?: string; assetId?: string; streamId?: string }) {
  const eq: Record<string, string> = {};
  if (q.playbackId) eq.playbackId = q.playbackId;
  if (q.assetId) eq.assetId = q.assetId;
  if (q.streamId) eq.streamId = q.streamId;
  return eq;
}

export function livepeerRoutes(deps: CompatDeps) {
  const { app, get } = compatKit(deps, {
    profile: PROFILE,
    rawKey: authorizationBearer,
    errors: livepeerErrors,
  });
  const now = deps.now ?? Date.now;

  // The URL parsers read a malformed escape leniently; a client that sent one made a mistake.
  app.use(async (c, next) => {
    const bad = malformedQueryPart(c.req.url);
    if (bad !== undefined) throw invalidRequest(`malformed percent-encoding in "${bad}"`);
    await next();
  });

  get('/data/views/now', async (c) => {
    const q = parseQuery(c, realtimeQuery);
    const t = now();
    const breakdown = q['breakdownBy[]'] ?? [];
    const scope: ViewScope = {
      accountId: verifiedKey(c).accountId,
      from: t - REALTIME_SPAN_MS,
      to: t,
      breakdown,
      equals: equalsFilters(q),
      creators: q.creatorId ? [q.creatorId] : [],
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

  /** Viewership over [from, to): an inverted range is refused by the planner, as `from`. */
  const viewership = async (c: Context<CompatEnv>, q: z.output<typeof viewershipQuery>) => {
    const scope: ViewScope = {
      accountId: verifiedKey(c).accountId,
      from: q.from ?? 0,
      to: q.to ?? now(),
      ...(q.timeStep ? { windowSize: TIME_STEPS[q.timeStep] } : {}),
      breakdown: q['breakdownBy[]'] ?? [],
      equals: equalsFilters(q),
      creators: q.creatorId ? [q.creatorId] : [],
    };
    return c.json(await viewershipMetrics(deps.usage, scope));
  };

  get('/data/views/query', (c) => viewership(c, parseQuery(c, viewershipQuery)));

  get('/data/views/query/creator', (c) => {
    const q = parseQuery(c, creatorViewershipQuery);
    // Livepeer's proof of ownership: the caller must name the asset or stream.
    if (!q.assetId && !q.streamId) throw invalidRequest('assetId or streamId is required');
    return viewership(c, q);
  });

  // Public: anyone may read a playback id's total views; a key, when sent, must be valid, and a
  // publishable key sees only its own subject.
  const anyKey = { kinds: ['secret', 'publishable'], optional: true } as const;
  get(
    '/data/views/query/total/:playbackId{.+}',
    async (c) => {
      // Decoded once, strictly, from the raw path: the router's parameter is already decoded, and
      // leniently, so decoding it again would read "%2525" as "%" and throw on a malformed escape.
      const playbackId = strictDecode(rawPathAfter(c.req.url, '/data/views/query/total/') ?? '');
      if (playbackId === undefined || playbackId === '') {
        throw invalidRequest('playbackId must be a percent-encoded path segment');
      }
      const key = c.get('key');
      const accounts = key ? [key.accountId] : ((await deps.accounts.withProfile?.(PROFILE)) ?? []);
      const creators = key?.subject ? [key.subject] : [];
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
    },
    anyKey,
  );

  get('/data/usage/query', async (c) => {
    const q = parseQuery(c, usageMetricsQuery);
    const { accountId } = verifiedKey(c);
    const from = q.from ?? 0;
    const to = q.to ?? now();
    const subjects = q.creatorId ? [q.creatorId] : [];
    const [delivery, stored] = await Promise.all([
      deps.usage.queryTotals(
        accountId,
        totalsQuery({ from, to, subjects, metrics: USAGE_METRICS }),
      ),
      // Storage is a stock: the running total of additions and deletions up to `to`.
      deps.usage.queryTotals(
        accountId,
        totalsQuery({ from: 0, to, subjects, metrics: STORAGE_METRICS }),
      ),
    ]);
    const body: UsageMetric = {
      UserID: accountId,
      DeliveryUsageMins: delivery.deliveryMins ?? 0,
      TotalUsageMins: delivery.transcodeMins ?? 0,
      StorageUsageMins: stored.storedMins ?? 0,
    };
    if (q.creatorId) body.CreatorID = q.creatorId;
    return c.json(body);
  });

  return app;
}
