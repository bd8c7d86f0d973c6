import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { registerDashboardRoutes } from './dashboard.routes.js';
import { routesApp } from './routes-app.js';

function appOver(webRoot: string) {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const app = routesApp();
  registerDashboardRoutes(app, webRoot, logger);
  return { app, lines };
}

describe('dashboard routes', () => {
  it('without a build: a warning at start, and / says how to build instead of a JSON 404', async () => {
    const { app, lines } = appOver(join(mkdtempSync(join(tmpdir(), 'tally-web-')), 'dist'));
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
      'the dashboard is not built (run npm run build): / answers 503',
    ]);
    for (const path of ['/', '/embed']) {
      const res = await app.request(path);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('npm run build');
    }
  });

  it('with a build: serves its pages and says nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tally-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<title>dashboard</title>');
    writeFileSync(join(root, 'embed.html'), '<title>embed</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    const { app, lines } = appOver(root);
    expect(lines).toEqual([]);
    expect(await (await app.request('/')).text()).toBe('<title>dashboard</title>');
    expect(await (await app.request('/embed')).text()).toBe('<title>embed</title>');
    expect(await (await app.request('/assets/app.js')).text()).toBe('console.log(1)');
  });
});
