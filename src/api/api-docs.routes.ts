import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/** The page Vite builds from web/api-docs.html; its scripts and styles are under /assets/*. */
export const API_DOCS_PAGE = 'api-docs.html';

export const API_DOCS_NOT_BUILT =
  'The API reference page is not built: run `npm run build` (or only the web part: `npx vite build web`), then reload. The OpenAPI document itself is served at /openapi.json.\n';

/**
 * The interactive API reference at /docs: Swagger UI over /openapi.json, bundled into the web
 * build. Read at each request, so a build made after the server started is picked up.
 */
export function registerApiDocsRoutes(app: OpenAPIHono<AppEnv>, webRoot: string): void {
  const page = join(webRoot, API_DOCS_PAGE);
  const serve = async (c: Context<AppEnv>) => {
    let html: string;
    try {
      html = await readFile(page, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return c.text(API_DOCS_NOT_BUILT, 503);
    }
    return c.html(html);
  };
  app.get('/docs', serve);
  app.get('/docs/', serve);
}
