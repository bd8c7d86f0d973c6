import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  assertMeterReadable,
  isPublicMeter,
  isUnboundPublishable,
} from '../../auth/meter-access.js';
import {
  MeterCreateSchema,
  MeterSchema,
  MeterUpdateSchema,
  type MeterWire,
} from '../../contract/meter.js';
import { InstantSchema } from '../../contract/meter-query.js';
import { ProblemSchema } from '../../contract/problem.js';
import { ValidationError } from '../../errors/domain-errors.js';
import type { MeterDefinition } from '../../meter/meter-definition.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';
import { resolveInstantParam } from './query-mapping.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };
const idParam = z.object({ meterIdOrSlug: z.string().max(64) });
const errors = {
  400: { description: 'Invalid input', content: problem },
  401: { description: 'Missing or invalid key', content: problem },
  403: {
    description: 'Key kind not allowed, or a private meter read with an unbound publishable key',
    content: problem,
  },
  404: { description: 'Unknown meter', content: problem },
};

export function toMeterWire(m: MeterDefinition): MeterWire {
  const w: MeterWire = {
    id: m.id,
    slug: m.slug,
    name: m.name,
    aggregation: m.aggregation,
    eventType: m.eventType,
    groupBy: Object.fromEntries(m.dimensions),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
  if (m.description !== undefined) w.description = m.description;
  if (m.metadata !== undefined) w.metadata = m.metadata;
  if (m.eventFrom !== undefined) w.eventFrom = m.eventFrom;
  if (m.valueProperty !== undefined) w.valueProperty = m.valueProperty;
  if (m.deletedAt !== undefined) w.deletedAt = m.deletedAt;
  return w;
}

// An empty bound is an absent one (as it always was for these lists); anything else is an instant.
const bound = z.preprocess((v) => (v === '' ? undefined : v), InstantSchema.optional());

/** The range of the subject and value lists; the route validator reads both bounds. */
const range = z.object({ from: bound, to: bound });
type RangeContext = Context<AppEnv, string, { out: { query: z.output<typeof range> } }>;

export function registerMeterRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const account = (c: { get: (k: 'principal') => { accountId: string } }) =>
    c.get('principal').accountId;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/meters',
      summary: 'List meters',
      tags: ['Meters'],
      responses: {
        200: {
          description: 'Meters',
          content: { 'application/json': { schema: z.array(MeterSchema) } },
        },
        ...errors,
      },
      middleware: [s.auth(['secret', 'publishable'], true)],
    }),
    async (c) => {
      const p = c.get('principal');
      let meters = await s.meters.list(p.accountId);
      // Unbound publishable keys see public meters only; a subject-bound one may query every
      // meter for its own subject, and a definition names no subject or dimension value.
      if (isUnboundPublishable(p)) {
        meters = meters.filter(isPublicMeter);
      }
      return c.json(meters.map(toMeterWire), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/meters',
      summary: 'Create a meter (backfills from stored events)',
      tags: ['Meters'],
      request: {
        body: { content: { 'application/json': { schema: MeterCreateSchema } }, required: true },
      },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: MeterSchema } } },
        ...errors,
        409: { description: 'Slug taken', content: problem },
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => c.json(toMeterWire(await s.meters.create(account(c), c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/meters/{meterIdOrSlug}',
      summary: 'Get a meter',
      tags: ['Meters'],
      request: { params: idParam },
      responses: {
        200: { description: 'Meter', content: { 'application/json': { schema: MeterSchema } } },
        ...errors,
      },
      middleware: [s.auth(['secret', 'publishable'], true)],
    }),
    async (c) => {
      const p = c.get('principal');
      const m = await s.meters.get(p.accountId, c.req.valid('param').meterIdOrSlug);
      assertMeterReadable(p, m);
      return c.json(toMeterWire(m), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/meters/{meterIdOrSlug}',
      summary: 'Update a meter (a groupBy change re-extracts old events)',
      tags: ['Meters'],
      request: {
        params: idParam,
        body: { content: { 'application/json': { schema: MeterUpdateSchema } }, required: true },
      },
      responses: {
        200: { description: 'Updated', content: { 'application/json': { schema: MeterSchema } } },
        ...errors,
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) =>
      c.json(
        toMeterWire(
          await s.meters.update(
            account(c),
            c.req.valid('param').meterIdOrSlug,
            c.req.valid('json'),
          ),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/meters/{meterIdOrSlug}',
      summary: 'Delete a meter',
      tags: ['Meters'],
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errors },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => {
      await s.meters.delete(account(c), c.req.valid('param').meterIdOrSlug);
      return c.body(null, 204);
    },
  );

  const values = (dim: (c: RangeContext) => string) => async (c: RangeContext) => {
    const p = c.get('principal');
    const slug = c.req.param('meterIdOrSlug') ?? '';
    const q = c.req.valid('query');
    const now = s.now();
    const from = q.from ? resolveInstantParam(q.from, 'from', now) : now - 24 * 3_600_000;
    const to = q.to ? resolveInstantParam(q.to, 'to', now) : now + 1;
    // Not a repeat of the planner's guard: a value list is read straight from the store
    // (UsageService.distinctValues), never planned, so this is the one check of its range.
    if (from >= to) throw new ValidationError([{ path: 'from', message: 'must be before to' }]);
    // Names are usage too: an unbound publishable key lists them only on public meters.
    assertMeterReadable(p, await s.meters.get(p.accountId, slug));
    const restrict =
      p.customerId === undefined
        ? p.subject
        : await s.customers.subjectsOf(p.accountId, p.customerId);
    const list = await s.usage.distinctValues(p.accountId, slug, dim(c), from, to, restrict);
    return c.json(list, 200);
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/meters/{meterIdOrSlug}/subjects',
      summary: 'Subjects with usage in [from, to) (default: the last 24 hours)',
      tags: ['Meters'],
      request: { params: idParam, query: range },
      responses: {
        200: {
          description: 'Subjects',
          content: { 'application/json': { schema: z.array(z.string()) } },
        },
        ...errors,
      },
      middleware: [s.auth(['secret', 'publishable'], true)],
    }),
    values(() => 'subject') as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/meters/{meterIdOrSlug}/group-by/{groupByKey}/values',
      summary: 'Values of one dimension in [from, to) (default: the last 24 hours)',
      tags: ['Meters'],
      request: { params: idParam.extend({ groupByKey: z.string() }), query: range },
      responses: {
        200: {
          description: 'Values',
          content: { 'application/json': { schema: z.array(z.string()) } },
        },
        ...errors,
      },
      middleware: [s.auth(['secret', 'publishable'], true)],
    }),
    values((c) => c.req.param('groupByKey') ?? '') as never,
  );
}
