import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { BackupRequestSchema, BackupSchema } from '../../contract/admin.js';
import { ProblemSchema } from '../../contract/problem.js';
import { ConflictError } from '../../errors/domain-errors.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };

/**
 * POST /admin/v1/backup: an online backup of the embedded store into a directory on the server
 * (docs/operations.md, "Backup and restore"). `admin` is the admin-token middleware of the other
 * admin routes.
 */
export function registerBackupRoutes(
  app: OpenAPIHono<AppEnv>,
  s: Services,
  admin: MiddlewareHandler<AppEnv>,
): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/v1/backup',
      summary: 'Back up the embedded store while it runs',
      description:
        'Writes a consistent copy of the embedded store into a directory on the server: a snapshot of the database plus the acknowledged events it does not hold yet. Ingest goes on meanwhile. Restore it offline with `tally restore <backup-dir> <data-dir>`. The ClickHouse store answers 409: back it up with ClickHouse’s own tools.',
      tags: ['Admin'],
      request: {
        body: { content: { 'application/json': { schema: BackupRequestSchema } }, required: true },
      },
      responses: {
        200: {
          description: 'Written',
          content: { 'application/json': { schema: BackupSchema } },
        },
        400: {
          description: 'The path is not absolute, not empty, or inside the data directory',
          content: problem,
        },
        401: { description: 'Missing or wrong admin token', content: problem },
        409: {
          description: 'A backup is already running, or the store has no online backup',
          content: problem,
        },
        503: { description: 'The store is shutting down', content: problem },
      },
      middleware: [admin],
    }),
    async (c) => {
      const { path } = c.req.valid('json');
      if (!s.store.backup) {
        throw new ConflictError(
          `the ${s.store.kind} store is backed up with its own tools, not through Tally (docs/operations.md)`,
        );
      }
      return c.json(await s.store.backup(path), 200);
    },
  );
}
