// `GET /analytics/usage` of the Opper-compatible profile, mounted at /compat/opper/v2.
// cost is always reported; each name in `fields` is the sum of that `event_metadata` key and each
// name in `group_by` a key of `tags` (dotted names nest), any key, with no meter to create first:
// the engine answers each as an ad-hoc meter, from a preset meter's rows when one holds the same
// numbers and from the raw events otherwise. Buckets are UTC calendar windows of `granularity`.

import type { Context } from 'hono';
import type { InlineMeter } from '../../../query/inline-meter.js';
import { type MetricSet, meter } from '../../../query/metric-expr.js';
import { compatKit } from '../kit/compat-app.js';
import { authorizationBearer, type CompatEnv, keySubjects, verifiedKey } from '../kit/key-auth.js';
import { parseQuery } from '../kit/parse-query.js';
import { invalidRequest } from '../kit/request-errors.js';
import type { CompatDeps } from '../profile.js';
import { decimalString } from '../shared/decimal-string.js';
import { metricsQuery } from '../shared/usage-query-defaults.js';
import { opperErrors } from './errors.js';
import { type UsageResultItem, usageQueryParams } from './schemas.js';
import { fieldMeter, namesProblem, WINDOWS } from './usage-mapping.js';

function currentMonth(now: number): { from: number; to: number } {
  const d = new Date(now);
  return {
    from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

async function handleUsage(c: Context<CompatEnv>, deps: CompatDeps): Promise<Response> {
  const key = verifiedKey(c);
  const q = parseQuery(c, usageQueryParams);
  // An inverted range is refused by the planner, as from_date (errors.ts names it).
  const month = currentMonth((deps.now ?? Date.now)());
  const from = q.from_date ?? month.from;
  const to = q.to_date ?? month.to;

  const groupBy = [...new Set(q.group_by ?? [])];
  const fields = [...new Set(q.fields ?? [])].filter((f) => f !== 'cost');
  const problem = namesProblem(fields, groupBy);
  if (problem) throw invalidRequest(problem);

  // Each reported number is an ad-hoc meter over the events: no set-up step for any field or tag.
  const slug = (f: string) => `opper:${f}`;
  const metrics: MetricSet = { cost: meter(slug('cost')) };
  const inlineMeters: Record<string, InlineMeter> = {
    [slug('cost')]: fieldMeter('cost', groupBy),
  };
  for (const f of fields) {
    metrics[f] = meter(slug(f));
    inlineMeters[slug(f)] = fieldMeter(f, groupBy);
  }
  const windowSize = q.granularity ? WINDOWS[q.granularity] : undefined;
  const { rows } = await deps.usage.queryMetrics(
    key.accountId,
    metricsQuery({
      metrics,
      inlineMeters,
      from,
      to,
      ...(windowSize ? { windowSize } : {}),
      groupBy,
      subjects: keySubjects(key),
    }),
  );
  const items: UsageResultItem[] = rows.map((r) => {
    // Without a granularity there is one bucket for the whole range, stamped with its start.
    const item: UsageResultItem = {
      time_bucket: new Date(windowSize ? r.windowStart : from).toISOString(),
      cost: decimalString(r.values.cost ?? 0),
    };
    for (const f of fields) item[f] = r.values[f] ?? 0;
    for (const g of groupBy) item[g] = r.groupBy[g] ?? null;
    return item;
  });
  return c.json(items);
}

export function opperRoutes(deps: CompatDeps) {
  const { app, get } = compatKit(deps, {
    profile: 'opper',
    rawKey: authorizationBearer,
    errors: opperErrors,
  });
  get('/analytics/usage', (c) => handleUsage(c, deps));
  return app;
}
