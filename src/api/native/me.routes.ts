import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { WhoAmISchema } from '../../contract/admin.js';
import { ProblemSchema } from '../../contract/problem.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';

export function registerMeRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/me',
      summary: 'Who the key is: its account, kind and bound subject',
      tags: ['Keys'],
      responses: {
        200: { description: 'The key', content: { 'application/json': { schema: WhoAmISchema } } },
        401: {
          description: 'Missing or invalid key',
          content: { 'application/problem+json': { schema: ProblemSchema } },
        },
      },
      middleware: [s.auth(['secret', 'ingest', 'publishable'], true)],
    }),
    async (c) => {
      const p = c.get('principal');
      const account = await s.keys.getAccount(p.accountId);
      return c.json(
        {
          accountId: p.accountId,
          accountName: account.name,
          keyKind: p.kind,
          subject: p.subject ?? null,
          customerId: p.customerId ?? null,
        },
        200,
      );
    },
  );
}
