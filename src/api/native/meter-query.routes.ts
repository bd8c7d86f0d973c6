import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { assertMeterReadable, isUnboundPublishable } from '../../auth/meter-access.js';
import {
  byDimension,
  FilterStringSchema,
  MeterQueryParamsSchema,
  MeterQueryRequestSchema,
  type MeterQueryResult,
  MeterQueryResultSchema,
} from '../../contract/meter-query.js';
import { ProblemSchema } from '../../contract/problem.js';
import { ForbiddenError, ValidationError } from '../../errors/domain-errors.js';
import { validationErrorFromZod } from '../../errors/issues-from-zod.js';
import { CUSTOMER_KEY } from '../../query/planner.js';
import type { UsageQuery, UsageResult } from '../../query/usage-query.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';
import { toCsv } from './csv.js';
import {
  customerAliasValues,
  customerFilterOf,
  deepObjectFilters,
  isCustomerAlias,
  iso,
  type MeterQueryInput,
  toUsageQuery,
} from './query-mapping.js';

const slugParam = z.object({ meterIdOrSlug: z.string().max(64) });
const errors = {
  400: {
    description: 'Invalid query',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  401: {
    description: 'Missing or invalid key',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  404: {
    description: 'Unknown meter',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
};
const ok = {
  description: 'Usage rows, ordered by window then group',
  content: {
    'application/json': { schema: MeterQueryResultSchema },
    'text/csv': { schema: z.string() },
  },
};

export function toWire(r: UsageResult): MeterQueryResult {
  // Every group repeats the same window bounds: format each instant once.
  const labels = new Map<number, string>();
  const label = (ms: number) => {
    let s = labels.get(ms);
    if (s === undefined) {
      s = iso(ms);
      labels.set(ms, s);
    }
    return s;
  };
  const out: MeterQueryResult = {
    from: iso(r.from),
    to: iso(r.to),
    windowTimeZone: r.timeZone,
    data: r.rows.map((row) => ({
      value: row.value,
      windowStart: label(row.windowStart),
      windowEnd: label(row.windowEnd),
      subject: row.subject,
      ...(row.customerId === undefined ? {} : { customerId: row.customerId }),
      groupBy: row.groupBy,
      ...(row.other ? { other: true as const } : {}),
    })),
  };
  if (r.windowSize) out.windowSize = r.windowSize;
  return out;
}

function respond(
  c: Context<AppEnv>,
  result: UsageResult,
  groupBy: string[],
  limited = false,
): Response {
  const wire = toWire(result);
  if ((c.req.header('accept') ?? '').includes('text/csv')) {
    return c.body(toCsv(wire, groupBy, limited), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
    });
  }
  return c.json(wire, 200);
}

function parseAdvanced(text: string | undefined): MeterQueryInput['advancedMeterGroupByFilters'] {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError([
      { path: 'advancedMeterGroupByFilters', message: 'must be a JSON object' },
    ]);
  }
  const parsed = byDimension(FilterStringSchema).safeParse(value);
  if (!parsed.success) {
    throw validationErrorFromZod(parsed.error.issues, ['advancedMeterGroupByFilters']);
  }
  return parsed.data;
}

/** Subject restriction of the caller: subject-bound keys see one subject, customer-bound keys
 * their customer's subjects as they stand now; unbound publishable keys see only meters the
 * account marked public. */
async function scope(
  c: Context<AppEnv>,
  s: Services,
  slug: string,
  portal: boolean,
): Promise<string | string[] | undefined> {
  const p = c.get('principal');
  if (p.customerId !== undefined) return s.customers.subjectsOf(p.accountId, p.customerId);
  if (portal && p.subject === undefined) {
    throw new ForbiddenError('the portal query needs a subject-bound key');
  }
  // Only unbound publishable keys need the meter here; the others skip the lookup.
  if (isUnboundPublishable(p)) {
    assertMeterReadable(p, await s.meters.get(p.accountId, slug));
  }
  return p.subject;
}

/** The query with its customers resolved (filterCustomerId, grouping or filtering by customer). */
async function withCustomers(
  s: Services,
  accountId: string,
  q: UsageQuery,
  ids: string[] | undefined,
): Promise<UsageQuery> {
  const byCustomer = q.groupBy.includes(CUSTOMER_KEY) || Object.hasOwn(q.filters, CUSTOMER_KEY);
  if (ids === undefined && !byCustomer) return q;
  const customers = await s.customers.scope(accountId, ids, byCustomer);
  return customers ? { ...q, customers } : q;
}

export function registerMeterQueryRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const handleGet = (portal: boolean) => async (c: Context<AppEnv>) => {
    const slug = c.req.param('meterIdOrSlug') ?? c.req.param('meterSlug') ?? '';
    // Unknown names are refused, not dropped: a misspelt or array-style filter (`subject[]`,
    // `filtergroupby[x]`) dropped in silence would answer the whole account's usage. Customer
    // filters under the names client libraries give arrays (`filterCustomerId[]`) are read here.
    const raw = Object.fromEntries(
      Object.entries(c.req.queries())
        .filter(([k]) => !k.startsWith('filterGroupBy[') && !isCustomerAlias(k))
        .map(([k, v]) => [k, v.length === 1 ? v[0] : v]),
    );
    const parsed = MeterQueryParamsSchema.strict().safeParse(raw);
    if (!parsed.success) throw validationErrorFromZod(parsed.error.issues);
    const { advancedMeterGroupByFilters, ...rest } = parsed.data;
    const input: MeterQueryInput = { ...rest };
    const deep = deepObjectFilters(c.req.url);
    if (Object.keys(deep).length > 0) input.filterGroupBy = deep;
    const adv = parseAdvanced(advancedMeterGroupByFilters);
    if (adv) input.advancedMeterGroupByFilters = adv;
    const aliased = customerAliasValues(c.req.url);
    if (aliased) input.customerId = aliased;
    const subject = await scope(c, s, slug, portal);
    const accountId = c.get('principal').accountId;
    const q = toUsageQuery(slug, input, s.now());
    const planned = await withCustomers(s, accountId, q, customerFilterOf(input));
    const result = await s.usage.query(accountId, planned, subject);
    return respond(c, result, q.groupBy, q.limit !== undefined);
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/meters/{meterIdOrSlug}/query',
      summary: 'Query a meter',
      tags: ['Meters'],
      request: { params: slugParam, query: MeterQueryParamsSchema },
      responses: { 200: ok, ...errors },
      middleware: [s.auth(['secret', 'publishable'], true)],
    }),
    // The declared query schema documents the parameters; the handler parses them itself because
    // deepObject filters (filterGroupBy[dim]=v) are not plain keys.
    handleGet(false) as never,
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/meters/{meterIdOrSlug}/query',
      summary: 'Query a meter (JSON body)',
      tags: ['Meters'],
      request: {
        params: slugParam,
        body: {
          content: { 'application/json': { schema: MeterQueryRequestSchema } },
          required: true,
        },
      },
      responses: { 200: ok, ...errors },
      middleware: [s.auth(['secret', 'publishable'], true)],
    }),
    async (c) => {
      const { meterIdOrSlug } = c.req.valid('param');
      const body = c.req.valid('json');
      const subject = await scope(c, s, meterIdOrSlug, false);
      const accountId = c.get('principal').accountId;
      const q = toUsageQuery(meterIdOrSlug, body, s.now());
      const planned = await withCustomers(s, accountId, q, customerFilterOf(body));
      const result = await s.usage.query(accountId, planned, subject);
      return respond(c, result, q.groupBy, q.limit !== undefined) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/portal/meters/{meterSlug}/query',
      summary: 'Query a meter with a subject-bound (portal) key',
      tags: ['Portal'],
      request: {
        params: z.object({ meterSlug: z.string().max(64) }),
        query: MeterQueryParamsSchema.omit({ subject: true }),
      },
      responses: { 200: ok, ...errors },
      middleware: [s.auth(['publishable', 'secret'], true)],
    }),
    handleGet(true) as never,
  );
}
