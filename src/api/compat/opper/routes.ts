// `GET /analytics/usage` of the Opper-compatible profile, mounted at /compat/opper/v2.
// cost is always reported; each name in `fields` is the sum of a metadata field's meter; each
// name in `group_by` is a tag dimension. Buckets are UTC calendar windows of `granularity`.

import { type Context, Hono } from 'hono';
import { type MetricSet, meter } from '../../../query/metric-expr.js';
import type { WindowSize } from '../../../query/usage-query.js';
import type { CompatDeps } from '../profile.js';
import { AUTH_MESSAGES, authorize, bearerKey } from '../shared/auth.js';
import { decimalString } from '../shared/decimal-string.js';
import { queryObject } from '../shared/query-params.js';
import { metricsQuery } from '../shared/usage-query-defaults.js';
import { opperDomainError, opperError } from './errors.js';
import { OPPER_TAGS } from './event-shape.js';
import { OPPER_COST_METER } from './presets.js';
import { type UsageResultItem, usageQueryParams } from './schemas.js';

const PROFILE = 'opper';

const WINDOWS: Record<string, WindowSize> = {
  minute: 'MINUTE',
  hour: 'HOUR',
  day: 'DAY',
  month: 'MONTH',
  year: 'YEAR',
};

function currentMonth(now: number): { from: number; to: number } {
  const d = new Date(now);
  return {
    from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/** Field name -> meter slug, from the meters' `field` metadata (cost is always first). */
async function fieldMeters(deps: CompatDeps, accountId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of await deps.meters.list(accountId)) {
    const field = m.metadata?.field;
    if (m.metadata?.profile === PROFILE && field && !out.has(field)) out.set(field, m.slug);
  }
  return out;
}

async function handleUsage(c: Context, deps: CompatDeps): Promise<Response> {
  const a = await authorize(deps, bearerKey(c.req.header('authorization')), PROFILE);
  if (!a.ok) return opperError(c, a.status, AUTH_MESSAGES[a.reason]);
  const accountId = a.key.accountId;

  const parsed = usageQueryParams.safeParse(queryObject(c.req.url));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => ({
      loc: ['query', ...i.path.map(String)],
      msg: i.message,
      type: i.code,
    }));
    return opperError(c, 422, 'The request is invalid', detail);
  }
  const q = parsed.data;
  const month = currentMonth((deps.now ?? Date.now)());
  const from = q.from_date ?? month.from;
  const to = q.to_date ?? month.to;
  if (from >= to) return opperError(c, 400, 'from_date must be before to_date');

  const groupBy = q.group_by ?? [];
  const unknownTag = groupBy.find((g) => !OPPER_TAGS[g]);
  if (unknownTag) return opperError(c, 400, `Unknown group_by tag: ${unknownTag}`);
  const dims = groupBy.map((g) => OPPER_TAGS[g]?.dim ?? g);

  const meters = await fieldMeters(deps, accountId);
  const fields = (q.fields ?? []).filter((f) => f !== 'cost');
  const unknownField = fields.find((f) => !meters.has(f));
  if (unknownField) return opperError(c, 400, `Unknown field: ${unknownField}`);

  // Each reported number is one meter, side by side per bucket and tag group.
  const metrics: MetricSet = { cost: meter(meters.get('cost') ?? OPPER_COST_METER) };
  for (const f of fields) metrics[f] = meter(meters.get(f) ?? f);
  const windowSize = q.granularity ? WINDOWS[q.granularity] : undefined;
  const { rows } = await deps.usage.queryMetrics(
    accountId,
    metricsQuery({
      metrics,
      from,
      to,
      ...(windowSize ? { windowSize } : {}),
      groupBy: dims,
      ...(a.key.subject ? { subjects: [a.key.subject] } : {}),
    }),
  );
  const items: UsageResultItem[] = rows.map((r) => {
    // Without a granularity there is one bucket for the whole range, stamped with its start.
    const item: UsageResultItem = {
      time_bucket: new Date(windowSize ? r.windowStart : from).toISOString(),
      cost: decimalString(r.values.cost ?? 0),
    };
    for (const f of fields) item[f] = r.values[f] ?? 0;
    groupBy.forEach((g, i) => {
      item[g] = r.groupBy[dims[i] ?? g] ?? null;
    });
    return item;
  });
  return c.json(items);
}

export function opperRoutes(deps: CompatDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => opperDomainError(c, err));
  app.get('/analytics/usage', (c) => handleUsage(c, deps));
  return app;
}
