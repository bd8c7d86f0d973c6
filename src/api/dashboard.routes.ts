// The dashboard's built pages (web/dist). A server started from a checkout or package without that
// build says so: a warning at start, and a page at `/` that tells how to build it, instead of a
// JSON 404 that reads as if the server were broken.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { AppEnv } from './context.js';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tally</title>
<h1>The dashboard is not built</h1>
<p>The API works (<a href="/openapi.json">/openapi.json</a>). To serve the dashboard, run
<code>npm run build</code> (or <code>npm run build:web</code>) in the Tally checkout and start the server again.</p>`;

export function registerDashboardRoutes(
  app: OpenAPIHono<AppEnv>,
  webRoot: string,
  logger: Logger,
): void {
  if (!existsSync(join(webRoot, 'index.html'))) {
    logger.warn({ webRoot }, 'the dashboard is not built (run npm run build): / answers 503');
    for (const path of ['/', '/embed']) app.get(path, (c) => c.html(NOT_BUILT, 503));
    return;
  }
  app.use('/assets/*', serveStatic({ root: webRoot }));
  app.get('/embed', serveStatic({ path: join(webRoot, 'embed.html') }));
  app.get('/', serveStatic({ path: join(webRoot, 'index.html') }));
  app.get('*', serveStatic({ root: webRoot }));
}
