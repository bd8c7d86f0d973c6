// Routes of the LaunchDarkly-compatible account usage API, mounted at /compat/launchdarkly. The
// raw API key travels in `Authorization` with no scheme, as LaunchDarkly's clients send it.

import { type Context, Hono } from 'hono';
import type { CompatDeps } from '../profile.js';
import { AUTH_MESSAGES, authorize } from '../shared/auth.js';
import { asList, queryObject } from '../shared/query-params.js';
import { usageQuery } from '../shared/usage-query-defaults.js';
import { SERIES_ENDPOINTS } from './endpoints.js';
import { ldDomainError, ldError } from './errors.js';
import { LD_METERS as M } from './presets.js';
import { parseRange, selfLinks, seriesResponse } from './series-handler.js';

const PROFILE = 'launchdarkly';
const DAY = 86_400_000;

type Authed = { ok: true; accountId: string; subjects: string[] } | { ok: false; res: Response };

async function auth(c: Context, deps: CompatDeps): Promise<Authed> {
  const raw = c.req.header('authorization')?.trim() || undefined;
  const a = await authorize(deps, raw, PROFILE);
  if (!a.ok) return { ok: false, res: ldError(c, a.status, AUTH_MESSAGES[a.reason]) };
  return { ok: true, accountId: a.key.accountId, subjects: a.key.subject ? [a.key.subject] : [] };
}

export function launchdarklyRoutes(deps: CompatDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? Date.now;
  app.onError((err, c) => ldDomainError(c, err));

  // Fixed paths first, so that /mau/sdks is not read as a parameterised series path.
  app.get('/api/v2/usage/mau/sdks', async (c) => {
    const a = await auth(c, deps);
    if (!a.ok) return a.res;
    const params = queryObject(c.req.url);
    const t = now();
    const range = parseRange(params, t - 7 * DAY, t);
    if (!range.ok) return ldError(c, 400, range.message);
    const sdktype = asList(params.sdktype)[0];
    if (sdktype !== undefined && sdktype !== 'client' && sdktype !== 'server') {
      return ldError(c, 400, 'sdktype must be either client or server');
    }
    const result = await deps.usage.query(
      a.accountId,
      usageQuery({
        meterSlug: M.contexts,
        from: range.from,
        to: range.to,
        groupBy: ['sdkName'],
        subjects: a.subjects,
        filters: sdktype ? { sdkType: { $eq: sdktype } } : {},
      }),
    );
    const sdks = [...new Set(result.rows.filter((r) => r.value > 0).map((r) => r.groupBy.sdkName))]
      .filter((s): s is string => typeof s === 'string')
      .sort();
    return c.json({ _links: selfLinks(c), sdks });
  });

  app.get('/api/v2/usage/streams/:source/sdkversions', async (c) => {
    const a = await auth(c, deps);
    if (!a.ok) return a.res;
    const source = c.req.param('source');
    if (source !== 'client' && source !== 'server') {
      return ldError(c, 400, 'source must be either client or server');
    }
    const t = now();
    // LaunchDarkly lists the SDKs that connected in the past 60 days.
    const result = await deps.usage.query(
      a.accountId,
      usageQuery({
        meterSlug: M.streams,
        from: t - 60 * DAY,
        to: t,
        groupBy: ['sdk', 'version'],
        subjects: a.subjects,
        filters: { source: { $eq: source } },
      }),
    );
    const sdkVersions = result.rows
      .filter((r) => r.value > 0)
      .map((r) => ({ sdk: r.groupBy.sdk ?? 'Unknown', version: r.groupBy.version ?? 'Unknown' }))
      .sort((x, y) => x.sdk.localeCompare(y.sdk) || x.version.localeCompare(y.version));
    return c.json({ _links: selfLinks(c), sdkVersions });
  });

  for (const ep of SERIES_ENDPOINTS) {
    app.get(`/api/v2/usage${ep.path}`, async (c) => {
      const a = await auth(c, deps);
      if (!a.ok) return a.res;
      const out = await seriesResponse(c, ep, {
        accountId: a.accountId,
        now: now(),
        subjects: a.subjects,
        run: (accountId, q) => deps.usage.query(accountId, usageQuery(q)),
      });
      return out.ok ? c.json(out.body) : out.res;
    });
  }

  return app;
}
