// The interactive API reference at /docs: the page Vite builds from web/api-docs.html, served by
// src/api/api-docs.routes.ts, loads Swagger UI from the build's own assets and reads
// /openapi.json. Built here into a temporary directory, so the test neither needs nor touches
// web/dist; a missing build answers a 503 that says how to build it.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiDocsRoutes } from '../../src/api/api-docs.routes.js';
import type { AppEnv } from '../../src/api/context.js';
import { WEB_ROOT } from '../../src/api/http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function docsApp(webRoot: string): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  registerApiDocsRoutes(app, webRoot);
  return app;
}

describe('/docs with the web build', () => {
  let outDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'tally-web-build-'));
    await build({
      configFile: join(repo, 'web/vite.config.ts'),
      build: { outDir, emptyOutDir: true },
      logLevel: 'error',
    });
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it.each(['/docs', '/docs/'])(
    '%s answers the built page, which reads /openapi.json',
    async (path) => {
      const res = await docsApp(outDir).request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('data-spec-url="/openapi.json"');
      expect(html).toContain('<main id="swagger-ui"');
    },
  );

  it('loads Swagger UI from the build itself, not from a CDN', async () => {
    const html = await (await docsApp(outDir).request('/docs')).text();
    // Every script and stylesheet is a local /assets/ file that the build wrote.
    const refs = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      expect(ref).toMatch(/^\/assets\//);
      expect(existsSync(join(outDir, ref))).toBe(true);
    }
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    const script = refs.find((r) => r.endsWith('.js')) ?? '';
    const code = readFileSync(join(outDir, script), 'utf8');
    // Swagger UI's own code is inside the bundle (its version check of the OpenAPI document).
    expect(code).toContain('swagger-ui');
    expect(code.length).toBeGreaterThan(500_000);
  });
});

describe('/docs without the web build', () => {
  it('answers 503 with a plain text that says how to build the page', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tally-no-web-'));
    try {
      const res = await docsApp(empty).request('/docs');
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain('npx vite build web');
      expect(text).toContain('/openapi.json');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('/docs in the server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('is routed (the page when web/dist holds it, else the 503), never the JSON 404', async () => {
    const res = await server.request('/docs');
    const built = existsSync(join(WEB_ROOT, 'api-docs.html'));
    expect(res.status).toBe(built ? 200 : 503);
    expect(await res.text()).toContain('/openapi.json');
  });

  it('serves the OpenAPI document the page reads, with the usage query operation', async () => {
    const res = await server.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/v1/meters/{meterIdOrSlug}/query'] ?? {})).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
  });
});
