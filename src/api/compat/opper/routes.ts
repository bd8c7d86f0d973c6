// `GET /analytics/usage` of the Opper-compatible profile, mounted at /compat/opper/v2.
// cost is always reported; each name in `fields` is the sum of that `event_metadata` key and each
// name in `group_by` a key of `tags` (dotted names nest), any key, with no meter to create first:
// the engine answers each as an ad-hoc meter, from a preset meter's rows when one holds the same
// numbers and from the raw events otherwise. Buckets are UTC calendar windows of `granularity`.

import { type Context, Hono } from 'hono';
import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import type { InlineMeter } from '../../../query/inline-meter.js';
import { type MetricSet, meter } from '../../../query/metric-expr.js';
import type { WindowSize } from '../../../query/usage-query.js';
import type { CompatDeps } from '../profile.js';
import { AUTH_MESSAGES, authorize, bearerKey } from '../shared/auth.js';
import { decimalString } from '../shared/decimal-string.js';
import { queryObject } from '../shared/query-params.js';
import { metricsQuery } from '../shared/usage-query-defaults.js';
import { opperDomainError, opperError } from './errors.js';
import { OPPER_EVENT_TYPE } from './event-shape.js';
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

/** A metadata field or tag name: keys of letters, digits, `_` and `-`, dots between levels. */
const NAME = /^[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{1,64}){0,7}$/;
const MAX_FIELDS = 32;

/** A dotted name as a JSONPath under `root` (bracket keys, so digits and `-` need no care). */
const pathOf = (root: string, name: string) =>
  `$['${root}']${name
    .split('.')
    .map((k) => `['${k}']`)
    .join('')}`;

/** The sum of one metadata field per tag group: a stored meter answers it when one matches. */
function fieldMeter(field: string, groupBy: readonly string[]): InlineMeter {
  return {
    aggregation: 'SUM',
    eventType: OPPER_EVENT_TYPE,
    valueProperty: pathOf('event_metadata', field),
    groupBy: Object.fromEntries(groupBy.map((g) => [g, pathOf('tags', g)])),
  };
}

/** Why the names cannot be used, or undefined. */
function namesProblem(fields: readonly string[], groupBy: readonly string[]): string | undefined {
  const bad = [...fields, ...groupBy].find((n) => !NAME.test(n));
  if (bad !== undefined) {
    return `Invalid name ${JSON.stringify(bad)}: use letters, digits, "_" and "-", with "." between nested keys`;
  }
  if (fields.length > MAX_FIELDS) return `At most ${MAX_FIELDS} fields`;
  if (groupBy.length > MAX_DIMENSIONS) return `At most ${MAX_DIMENSIONS} group_by tags`;
  const clash = groupBy.find((g) => g === 'time_bucket' || g === 'cost' || fields.includes(g));
  if (clash) return `group_by ${clash} would overwrite a reported value`;
  return undefined;
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

  const groupBy = [...new Set(q.group_by ?? [])];
  const fields = [...new Set(q.fields ?? [])].filter((f) => f !== 'cost');
  const problem = namesProblem(fields, groupBy);
  if (problem) return opperError(c, 400, problem);

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
    accountId,
    metricsQuery({
      metrics,
      inlineMeters,
      from,
      to,
      ...(windowSize ? { windowSize } : {}),
      groupBy,
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
    for (const g of groupBy) item[g] = r.groupBy[g] ?? null;
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
