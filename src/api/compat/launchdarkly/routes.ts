// Routes of the LaunchDarkly-compatible account usage API, mounted at /compat/launchdarkly. The
// raw API key travels in `Authorization` with no scheme, as LaunchDarkly's clients send it.

import { compatKit } from '../kit/compat-app.js';
import { keySubjects, verifiedKey } from '../kit/key-auth.js';
import { invalidRequest } from '../kit/request-errors.js';
import type { CompatDeps } from '../profile.js';
import { asList, queryObject } from '../shared/query-params.js';
import { usageQuery } from '../shared/usage-query-defaults.js';
import { SERIES_ENDPOINTS } from './endpoints.js';
import { ldErrors } from './errors.js';
import { LD_METERS as M } from './presets.js';
import { parseRange, selfLinks, seriesResponse } from './series-handler.js';

const DAY = 86_400_000;

export function launchdarklyRoutes(deps: CompatDeps) {
  const { app, get } = compatKit(deps, {
    profile: 'launchdarkly',
    // The raw key, with no scheme, as LaunchDarkly's clients send it.
    rawKey: (c) => c.req.header('authorization')?.trim() || undefined,
    errors: ldErrors,
  });
  const now = deps.now ?? Date.now;

  // Fixed paths first, so that /mau/sdks is not read as a parameterised series path.
  get('/api/v2/usage/mau/sdks', async (c) => {
    const key = verifiedKey(c);
    const params = queryObject(c.req.url);
    const t = now();
    const range = parseRange(params, t - 7 * DAY, t);
    const sdktype = asList(params.sdktype)[0];
    if (sdktype !== undefined && sdktype !== 'client' && sdktype !== 'server') {
      throw invalidRequest('sdktype must be either client or server');
    }
    const result = await deps.usage.query(
      key.accountId,
      usageQuery({
        meterSlug: M.contexts,
        from: range.from,
        to: range.to,
        groupBy: ['sdkName'],
        subjects: keySubjects(key),
        filters: sdktype ? { sdkType: { $eq: sdktype } } : {},
      }),
    );
    const sdks = [...new Set(result.rows.filter((r) => r.value > 0).map((r) => r.groupBy.sdkName))]
      .filter((s): s is string => typeof s === 'string')
      .sort();
    return c.json({ _links: selfLinks(c), sdks });
  });

  get('/api/v2/usage/streams/:source/sdkversions', async (c) => {
    const key = verifiedKey(c);
    const source = c.req.param('source');
    if (source !== 'client' && source !== 'server') {
      throw invalidRequest('source must be either client or server');
    }
    const t = now();
    // LaunchDarkly lists the SDKs that connected in the past 60 days.
    const result = await deps.usage.query(
      key.accountId,
      usageQuery({
        meterSlug: M.streams,
        from: t - 60 * DAY,
        to: t,
        groupBy: ['sdk', 'version'],
        subjects: keySubjects(key),
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
    get(`/api/v2/usage${ep.path}`, async (c) => {
      const key = verifiedKey(c);
      const body = await seriesResponse(c, ep, {
        accountId: key.accountId,
        now: now(),
        subjects: keySubjects(key),
        run: (accountId, q) => deps.usage.query(accountId, usageQuery(q)),
      });
      return c.json(body);
    });
  }

  return app;
}
