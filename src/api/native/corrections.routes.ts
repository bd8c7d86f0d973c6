// Corrections of stored events (void, replace, void by filter with a dry run) and their audit log.
// Secret keys only: publishable and ingest keys are refused before anything is read.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  CorrectionListSchema,
  CorrectionSchema,
  ReplaceEventRequestSchema,
  VoidByFilterRequestSchema,
  VoidEventRequestSchema,
} from '../../contract/corrections.js';
import { ProblemSchema } from '../../contract/problem.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };
const json = <T>(schema: T) => ({ 'application/json': { schema } });
const refusals = {
  400: { description: 'Invalid request', content: problem },
  401: { description: 'Missing or invalid key', content: problem },
  403: { description: 'Not a secret key', content: problem },
};

export function registerCorrectionRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const by = (c: { get: (k: 'principal') => { accountId: string; keyId: string } }) => {
    const p = c.get('principal');
    return { accountId: p.accountId, keyId: p.keyId };
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/events/void',
      summary: 'Void one event: it no longer counts anywhere',
      description:
        'Tally extension. The event stays stored (a resend is still a duplicate) and `asOf` queries before the correction still count it. The meters of its type are rebuilt before the answer.',
      tags: ['Corrections'],
      request: { body: { content: json(VoidEventRequestSchema), required: true } },
      responses: {
        200: {
          description: 'The correction, as the audit log records it',
          content: json(CorrectionSchema),
        },
        ...refusals,
        404: { description: 'No such event', content: problem },
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await s.corrections.voidEvent(by(c), body.source, body.id, body.reason), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/events/replace',
      summary: 'Replace one event with a new version of the same identity',
      description:
        'Tally extension. The event named by the new version\u2019s source and id is voided and the new version counts instead; its type, subject, time and data may all change. Checked as an ingested event is.',
      tags: ['Corrections'],
      request: { body: { content: json(ReplaceEventRequestSchema), required: true } },
      responses: {
        200: { description: 'The correction', content: json(CorrectionSchema) },
        ...refusals,
        404: { description: 'No such event', content: problem },
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await s.corrections.replaceEvent(by(c), body.event, body.reason), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/events/void-by-filter',
      summary: 'Void every event matching a filter in an event-time range (with a dry run)',
      description:
        'Tally extension. `dryRun: true` answers how many events match and which UTC days change per meter, and changes nothing. At most 100,000 events per correction.',
      tags: ['Corrections'],
      request: { body: { content: json(VoidByFilterRequestSchema), required: true } },
      responses: {
        200: {
          description: 'The correction (or what it would do)',
          content: json(CorrectionSchema),
        },
        ...refusals,
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        await s.corrections.voidByFilter(by(c), {
          filter: body.filter,
          from: Date.parse(body.from),
          to: Date.parse(body.to),
          dryRun: body.dryRun,
          ...(body.reason === undefined ? {} : { reason: body.reason }),
        }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/corrections',
      summary: 'The audit log of corrections: who, when, what, how many events',
      tags: ['Corrections'],
      responses: {
        200: {
          description: 'Every correction of the account, newest first',
          content: json(CorrectionListSchema),
        },
        401: refusals[401],
        403: refusals[403],
      },
      middleware: [s.auth(['secret'])],
    }),
    async (c) => c.json({ items: await s.corrections.list(c.get('principal').accountId) }, 200),
  );
}
