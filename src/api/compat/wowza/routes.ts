// Routes of the Wowza-compatible usage API, mounted at /compat/wowza/api/{version} (any version
// segment, e.g. v1.11 or v2.0). Bytes and seconds as the platform sent them; `from`/`to` required
// and at most 90 days apart; list pagination as in the seed (payload_version 2.0 with a
// next_page_key, transcoders 1.0 with page numbers).

import type { Context } from 'hono';
import type { z } from 'zod';
import { NotFoundError } from '../../../errors/domain-errors.js';
import type { MetricSet } from '../../../query/metric-expr.js';
import { compatKit } from '../kit/compat-app.js';
import { authorizationBearer, type CompatEnv, verifiedKey } from '../kit/key-auth.js';
import { parseQuery } from '../kit/parse-query.js';
import { invalidRequest } from '../kit/request-errors.js';
import type { CompatDeps } from '../profile.js';
import { metricsQuery, totalsQuery } from '../shared/usage-query-defaults.js';
import { ACCOUNT_METRICS, TREND_METRICS } from './account-metrics.js';
import { ENTITY_KINDS, type EntityKind, entityMetrics, TREND_WINDOW } from './entities.js';
import { type EntityRecord, entityUsage } from './entity-usage.js';
import { wowzaErrors } from './errors.js';
import { listParams, rangeParams } from './schemas.js';
import { LEVEL_AT_START, levelAtStartRange, peakMetrics } from './storage-peak.js';

const DAY = 86_400_000;
const MAX_RANGE_MS = 90 * DAY;
const MAX_PER_PAGE = 1000;

type Ctx = { accountId: string; from: number; to: number };

/** JSON with Wowza's decimal payload versions ("2.0", not 2), which JSON.stringify cannot write. */
function wowzaJson(c: Context, body: unknown): Response {
  const text = JSON.stringify(body).replace(
    /"payload_version":(\d+)(?=[,}])/g,
    '"payload_version":$1.0',
  );
  return c.body(text, 200, { 'content-type': 'application/json; charset=UTF-8' });
}

const limits = (x: Ctx) => ({
  from: new Date(x.from).toISOString(),
  to: new Date(x.to).toISOString(),
});

/** The account and range of a request, at most 90 days; an inverted range is the planner's. */
function scope<S extends z.ZodType<{ from: number; to: number }>>(
  c: Context<CompatEnv>,
  schema: S,
): { ctx: Ctx; params: z.output<S> } {
  const { accountId } = verifiedKey(c);
  const params = parseQuery(c, schema);
  const { from, to } = params;
  if (to - from > MAX_RANGE_MS) {
    throw invalidRequest('The maximum difference between from and to is 90 days');
  }
  return { ctx: { accountId, from, to }, params };
}

function paginate(
  kind: EntityKind,
  records: EntityRecord[],
  p: z.infer<typeof listParams>,
): { page: EntityRecord[]; pagination: Record<string, unknown> } {
  const perPage = p.per_page ?? MAX_PER_PAGE;
  const total = records.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  if (kind.pagination === 'v1') {
    const page = p.page ?? 1;
    const first = (page - 1) * perPage;
    const slice = records.slice(first, first + perPage);
    return {
      page: slice,
      pagination: {
        payload_version: 1,
        page,
        page_first_index: first,
        page_last_index: Math.max(first, first + slice.length - 1),
        per_page: perPage,
        total_pages: totalPages,
        total_records: total,
      },
    };
  }
  // v2: the key is the id of the first record of the page (records are sorted by id).
  const start = p.next_page_key
    ? records.findIndex((r) => String(r.id) >= String(p.next_page_key))
    : 0;
  const from = start < 0 ? total : start;
  const slice = records.slice(from, from + perPage);
  const next = records[from + perPage];
  return {
    page: slice,
    pagination: {
      payload_version: 2,
      total_records: total,
      per_page: perPage,
      next_page_key: next ? String(next.id) : null,
      total_pages: totalPages,
    },
  };
}

export function wowzaRoutes(deps: CompatDeps) {
  const { app, get } = compatKit(deps, {
    profile: 'wowza',
    // Wowza Video sends a JWT as Bearer; legacy clients send wsc-access-key.
    rawKey: (c) => authorizationBearer(c) ?? c.req.header('wsc-access-key'),
    errors: wowzaErrors,
  });
  const totals = (x: Ctx, metrics: MetricSet) =>
    deps.usage.queryTotals(x.accountId, totalsQuery({ metrics, from: x.from, to: x.to }));

  // The storage level when the range starts: 0 when nothing was sampled by then.
  const levelAtStart = async (x: Ctx): Promise<number> => {
    const upToFrom = levelAtStartRange(x.from);
    const t = await deps.usage.queryTotals(
      x.accountId,
      totalsQuery({ metrics: LEVEL_AT_START, ...upToFrom }),
    );
    return t.bytes ?? 0;
  };

  const account = async (c: Context<CompatEnv>) => {
    const x = scope(c, rangeParams).ctx;
    const [t, trend] = await Promise.all([
      totals(x, ACCOUNT_METRICS),
      deps.usage.queryMetrics(
        x.accountId,
        metricsQuery({
          metrics: TREND_METRICS,
          from: x.from,
          to: x.to,
          windowSize: 'AUTO',
          autoWindow: TREND_WINDOW,
          fillZero: true,
        }),
      ),
    ]);
    return wowzaJson(c, {
      accounts: {
        id: x.accountId,
        viewing_seconds: t.viewing_seconds,
        avg_viewing_seconds: t.avg_viewing_seconds,
        viewing_bytes: t.viewing_bytes,
        egress_seconds: t.egress_seconds,
        egress_seconds_additional_targets: t.egress_seconds_additional_targets,
        egress_bytes: t.egress_bytes,
        trend: trend.rows.map((r) => ({
          sampled_at: new Date(r.windowStart).toISOString(),
          viewing_seconds: r.values.viewing_seconds ?? 0,
          // The seed's field name, misspelling included, plus the corrected spelling.
          vieweing_bytes: r.values.viewing_bytes ?? 0,
          viewing_bytes: r.values.viewing_bytes ?? 0,
        })),
      },
      limits: limits(x),
    });
  };
  // The guide shows /usage/accounts in its sample and /usage/account in its text: serve both.
  get('/usage/account', account);
  get('/usage/accounts', account);

  get('/usage/storage/peak', async (c) => {
    const x = scope(c, rangeParams).ctx;
    const { bytes } = await totals(x, peakMetrics(await levelAtStart(x)));
    return wowzaJson(c, { bytes, limits: limits(x) });
  });

  const vod = ENTITY_KINDS.find((k) => k.plural === 'vod_streams');
  get('/usage/vod_streams/summary', async (c) => {
    const x = scope(c, rangeParams).ctx;
    if (!vod) throw new NotFoundError('not found');
    const [t, records] = await Promise.all([
      totals(x, entityMetrics(vod)),
      entityUsage(vod, { usage: deps.usage, ...x }),
    ]);
    return wowzaJson(c, {
      summary: {
        total_vod_streams: records.length,
        viewing_seconds: t.viewing_seconds,
        avg_viewing_seconds: t.avg_viewing_seconds,
        viewing_bytes: t.viewing_bytes,
      },
      limits: limits(x),
    });
  });

  for (const kind of ENTITY_KINDS) {
    get(`/usage/${kind.plural}`, async (c) => {
      const { ctx, params } = scope(c, listParams);
      const records = await entityUsage(kind, { usage: deps.usage, ...ctx });
      const { page, pagination } = paginate(kind, records, params);
      return wowzaJson(c, { [kind.plural]: page, pagination, limits: limits(ctx) });
    });
    get(`/usage/${kind.plural}/:id`, async (c) => {
      const { ctx } = scope(c, rangeParams);
      const id = c.req.param('id') ?? '';
      const [record] = await entityUsage(kind, { usage: deps.usage, ...ctx, id });
      if (!record) throw new NotFoundError(`${kind.single} ${id} has no usage in this range`);
      return wowzaJson(c, { [kind.single]: record, limits: limits(ctx) });
    });
  }
  return app;
}
