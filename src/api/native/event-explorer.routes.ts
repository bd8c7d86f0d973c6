// The event explorer's routes: OpenMeter's v2 listing (JSON filter, cursor pagination) with Tally's
// "has problems" filter, and the explanation of one event: what each meter makes of it.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  EventExplanationSchema,
  EventFilterSchema,
  EventIdentityQuerySchema,
  EventListV2QuerySchema,
  IngestedEventPageSchema,
} from '../../contract/event-explorer.js';
import { ProblemSchema } from '../../contract/problem.js';
import { NotFoundError, ValidationError } from '../../errors/domain-errors.js';
import { validationErrorFromZod } from '../../errors/issues-from-zod.js';
import { decodeCursor, encodeCursor, listingOf, listPage } from '../../ingest/event-explorer.js';
import type { StoredEvent } from '../../ingest/stored-event.js';
import { explainEvent } from '../../meter/explain-event.js';
import { valueProblems } from '../../meter/extract.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';
import { toIngestedWithProblems } from './events.routes.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };

function parseFilter(json: string | undefined) {
  if (json === undefined || json === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ValidationError([{ path: 'filter', message: 'is not JSON' }]);
  }
  const parsed = EventFilterSchema.safeParse(raw);
  if (!parsed.success) throw validationErrorFromZod(parsed.error.issues, ['filter']);
  return parsed.data;
}

export function registerEventExplorerRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v2/events',
      summary: 'List ingested events with a filter and cursor pagination (newest first)',
      tags: ['Events'],
      request: { query: EventListV2QuerySchema },
      responses: {
        200: {
          description: 'One page of events',
          content: { 'application/json': { schema: IngestedEventPageSchema } },
        },
        400: { description: 'Invalid filter, cursor or parameters', content: problem },
        401: { description: 'Missing or invalid key', content: problem },
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => {
      const q = c.req.valid('query');
      const principal = c.get('principal');
      const listing = listingOf(parseFilter(q.filter));
      const meters = await s.meters.metersFor(principal.accountId);
      const problemsOf = (e: StoredEvent) =>
        valueProblems(meters.get(e.type) ?? [], e.time, JSON.parse(e.data) as unknown).length;
      const wanted = q.hasProblems;
      const page = await listPage(
        (lq) => s.store.listEvents(lq),
        {
          ...listing,
          accountId: principal.accountId,
          // A subject-bound key sees its own subject only, whatever it asks for.
          ...(principal.subject !== undefined ? { subject: principal.subject } : {}),
          ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
        },
        q.limit,
        wanted === undefined ? undefined : (e) => problemsOf(e) > 0 === (wanted === 'true'),
      );
      return c.json(
        {
          items: page.items.map((e) => toIngestedWithProblems(e, meters.get(e.type) ?? [])),
          ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/events/explain',
      summary: 'One event by identity, and what each meter of the account makes of it',
      description:
        'Tally extension. For every meter: whether it counts the event, the value and dimensions it took, or why not (another event type, before the meter\u2019s eventFrom, or a value it cannot use). Computed from the meters as they are now.',
      tags: ['Events'],
      request: { query: EventIdentityQuerySchema },
      responses: {
        200: {
          description: 'The event and every meter\u2019s verdict',
          content: { 'application/json': { schema: EventExplanationSchema } },
        },
        400: { description: 'Invalid parameters', content: problem },
        401: { description: 'Missing or invalid key', content: problem },
        404: { description: 'No such event', content: problem },
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => {
      const { source, id } = c.req.valid('query');
      const principal = c.get('principal');
      const [e] = await s.store.listEvents({
        accountId: principal.accountId,
        ...(principal.subject !== undefined ? { subject: principal.subject } : {}),
        match: [
          { field: 'source', op: 'eq', values: [source] },
          { field: 'id', op: 'eq', values: [id] },
        ],
        limit: 1,
      });
      if (!e) throw new NotFoundError(`no event ${id} from source ${source}`);
      const meters = await s.meters.metersFor(principal.accountId);
      return c.json(
        {
          event: toIngestedWithProblems(e, meters.get(e.type) ?? []),
          meters: explainEvent([...meters.values()].flat(), e),
        },
        200,
      );
    },
  );
}
