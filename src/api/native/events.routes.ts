import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  CloudEventSchema,
  EventListQuerySchema,
  IngestedEventSchema,
  IngestSummarySchema,
} from '../../contract/event.js';
import { ProblemSchema } from '../../contract/problem.js';
import { ValidationError } from '../../errors/domain-errors.js';
import { BodyTooLargeError, parseIngestBody } from '../../ingest/parse-body.js';
import type { StoredEvent } from '../../ingest/stored-event.js';
import { type CompiledMeter, valueProblems } from '../../meter/extract.js';
import type { Placement } from '../../store/ports.js';
import type { AppEnv } from '../context.js';
import { problemBody } from '../problem.js';
import type { Services } from '../services.js';
import { type ForwardMetrics, forwardIngest, forwardMetrics } from './forward-ingest.js';
import { iso, parseInstant, refuseCustomerParams } from './query-mapping.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };

const LOCAL: Placement = { kind: 'local' };

/** Response header: how many value problems the request's events have (absent when none). */
export const VALUE_PROBLEMS_HEADER = 'Tally-Value-Problems';

/**
 * A stored event as listed, with the problems the meters of its type have with it, computed now
 * from the meters as they are (a meter created or fixed later changes the answer, as it changes
 * what is counted).
 */
export function toIngestedWithProblems(e: StoredEvent, meters: readonly CompiledMeter[]) {
  const listed = toIngested(e);
  const problems = valueProblems(meters, e.time, listed.event.data);
  if (problems.length === 0) return listed;
  return {
    ...listed,
    validationError: problems.map((p) => p.message).join('; '),
    validationErrors: problems,
  };
}

export function toIngested(e: StoredEvent) {
  return {
    event: {
      id: e.id,
      source: e.source,
      specversion: '1.0' as const,
      type: e.type,
      subject: e.subject,
      time: iso(e.time),
      data: JSON.parse(e.data) as Record<string, unknown> | null,
    },
    ingestedAt: iso(e.ingestedAt),
    storedAt: iso(e.ingestedAt),
  };
}

export function registerEventRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  // Documented through the registry but routed with plain Hono: @hono/zod-openapi would chain a
  // JSON validator per declared media type (single AND array AND union), so every JSON body failed
  // one of them; and a batch must be judged event by event anyway, gzip bodies included.
  const ingestRoute = createRoute({
    method: 'post',
    path: '/api/v1/events',
    summary: 'Ingest events',
    description:
      'One CloudEvent (application/cloudevents+json), a batch (application/cloudevents-batch+json), an event or array (application/json), or NDJSON (application/x-ndjson); optionally Content-Encoding: gzip. 204 when every event was stored (or was a duplicate). With bad events the good ones are still stored and the 400 problem lists each rejected event. A 2xx means the events are durable. Stored events that a meter cannot count (value missing, not a number, out of range) are listed in `problems` and counted in the Tally-Value-Problems header. A key bound to a subject may write only that subject\u2019s events. `data` may nest at most 64 levels.',
    tags: ['Events'],
    request: {
      body: {
        content: {
          'application/cloudevents+json': { schema: CloudEventSchema },
          'application/cloudevents-batch+json': { schema: z.array(CloudEventSchema) },
          'application/json': { schema: z.union([CloudEventSchema, z.array(CloudEventSchema)]) },
          'application/x-ndjson': { schema: z.string() },
        },
      },
    },
    responses: {
      200: {
        description: 'Summary (with Prefer: return=representation)',
        content: { 'application/json': { schema: IngestSummarySchema } },
      },
      204: {
        description: 'Every event stored durably',
        headers: z.object({
          'Tally-Value-Problems': z
            .string()
            .optional()
            .describe('How many (event, meter) value problems the request had; absent when none.'),
        }),
      },
      400: {
        description: 'Some or all events rejected; the others were stored',
        content: problem,
      },
      401: { description: 'Missing or invalid key', content: problem },
      403: { description: 'Key kind may not ingest', content: problem },
      413: { description: 'Body too large', content: problem },
      429: { description: 'Rate limited (Retry-After)', content: problem },
      503: {
        description:
          "Overloaded, or the process that writes the account's events is unreachable or changing (Retry-After)",
        content: problem,
      },
    },
  });
  app.openAPIRegistry.registerPath(ingestRoute);
  const tooLarge = (c: Context<AppEnv>, detail: string) =>
    c.body(JSON.stringify(problemBody(413, detail, c.get('requestId'))), 413, {
      'Content-Type': 'application/problem+json',
    });
  const limitText = `body larger than ${s.maxBodyBytes} bytes; split the batch`;
  // Created on the first forward: a store that writes every account itself never shows them.
  let forwardCounters: ForwardMetrics | undefined;
  const forwarding = () => {
    forwardCounters ??= forwardMetrics(s.metrics.registry);
    return forwardCounters;
  };
  app.post(
    ingestRoute.path,
    s.auth(['secret', 'ingest']),
    // Counts the bytes as they arrive: a chunked body has no Content-Length to check up front.
    bodyLimit({ maxSize: s.maxBodyBytes, onError: (c) => tooLarge(c, limitText) }),
    async (c: Context<AppEnv>) => {
      const principal = c.get('principal');
      const placement = s.store.placement?.(principal.accountId) ?? LOCAL;
      if (placement.kind !== 'local') {
        return forwardIngest(c, placement, {
          answerHeaders: [VALUE_PROBLEMS_HEADER],
          metrics: forwarding(),
        });
      }
      const body = Buffer.from(await c.req.arrayBuffer());
      let candidates: ReturnType<typeof parseIngestBody>;
      try {
        candidates = parseIngestBody(
          body,
          c.req.header('content-type') ?? 'application/json',
          c.req.header('content-encoding'),
          s.maxBodyBytes,
        );
      } catch (err) {
        if (err instanceof BodyTooLargeError) return tooLarge(c, `${err.message}; split the batch`);
        throw err;
      }
      if (candidates.length === 0) {
        throw new ValidationError([{ path: 'body', message: 'no events in the body' }]);
      }
      const summary = await s.ingest.ingest(principal.accountId, candidates, {
        boundSubject: principal.subject,
      });
      // The count of value problems travels on every answer, the plain 204 included, so that a
      // client that never reads bodies (the OpenMeter SDK) can still notice and log it.
      if (summary.problems) c.header(VALUE_PROBLEMS_HEADER, String(summary.problems.length));
      if (summary.rejected.length > 0) {
        const detail = `${summary.rejected.length} of ${candidates.length} events rejected; the other ${summary.accepted + summary.duplicates} were stored (${summary.duplicates} already known): ${summary.rejected
          .slice(0, 5)
          .map((r) => `[${r.index}] ${r.reason}`)
          .join('; ')}`;
        return c.body(
          JSON.stringify(problemBody(400, detail, c.get('requestId'), { ...summary })),
          400,
          { 'Content-Type': 'application/problem+json' },
        );
      }
      if ((c.req.header('prefer') ?? '').includes('return=representation'))
        return c.json(summary, 200);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/events',
      summary: 'List ingested events (newest first; default the last 72 hours)',
      tags: ['Events'],
      request: { query: EventListQuerySchema },
      responses: {
        200: {
          description: 'Events',
          content: { 'application/json': { schema: z.array(IngestedEventSchema) } },
        },
        400: { description: 'Invalid parameters', content: problem },
        401: { description: 'Missing or invalid key', content: problem },
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => {
      const q = c.req.valid('query');
      refuseCustomerParams(c.req.url);
      const now = s.now();
      const principal = c.get('principal');
      const events = await s.store.listEvents({
        accountId: principal.accountId,
        // A subject-bound key sees its own subject only, whatever it asks for.
        ...(principal.subject !== undefined ? { subject: principal.subject } : {}),
        from: q.from ? parseInstant(q.from, now, 'from') : now - 72 * 3_600_000,
        ...(q.to ? { to: parseInstant(q.to, now, 'to') } : {}),
        ...(q.ingestedAtFrom
          ? { ingestedFrom: parseInstant(q.ingestedAtFrom, now, 'ingestedAtFrom') }
          : {}),
        ...(q.ingestedAtTo
          ? { ingestedTo: parseInstant(q.ingestedAtTo, now, 'ingestedAtTo') }
          : {}),
        ...(q.id ? { idContains: q.id } : {}),
        ...(q.subject ? { subjectContains: q.subject } : {}),
        limit: q.limit,
      });
      const meters = await s.meters.metersFor(principal.accountId);
      return c.json(
        events.map((e) => toIngestedWithProblems(e, meters.get(e.type) ?? [])),
        200,
      );
    },
  );
}
