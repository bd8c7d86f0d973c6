// GET /api/v1/events never lists another subject's events to a principal bound to a subject. The
// auth layer is meant to keep bound secret keys away from this route altogether; this checks the
// route's own restriction (defence in depth) by handing it a bound principal directly, so the
// test holds whatever the auth layer lets through.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/api/context.js';
import { createHttpApp } from '../../src/api/http.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { testEvent } from '../support/test-server.js';

const T0 = '2024-06-01T10:00:00.000Z';
const RANGE = 'from=2024-06-01T00:00:00Z&to=2024-06-02T00:00:00Z';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-list-binding-'));
let app: App;
let accountId = '';

function asPrincipal(subject: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('principal', {
      accountId,
      kind: 'secret',
      keyId: 'test-key',
      ...(subject !== undefined ? { subject } : {}),
    });
    await next();
  };
}

async function listSubjects(subject: string | undefined, query = ''): Promise<string[]> {
  const http = createHttpApp({ ...app.services, auth: () => asPrincipal(subject) }, app.logger);
  const res = await http.fetch(new Request(`http://tally.test/api/v1/events?${RANGE}${query}`));
  expect(res.status).toBe(200);
  const listed = (await res.json()) as { event: { subject: string } }[];
  return listed.map((e) => e.event.subject).sort();
}

beforeAll(async () => {
  app = await createApp(
    loadConfig({
      TALLY_DATA_DIR: dataDir,
      TALLY_LOG_LEVEL: 'silent',
      TALLY_ADMIN_TOKEN: 'x'.repeat(32),
    }),
  );
  accountId = (await app.services.keys.createAccount('binding')).id;
  const events = ['acme', 'acme', 'globex', 'acme-two'].map((s) => ({
    value: testEvent('use', s, T0, { n: 1 }),
  }));
  const summary = await app.services.ingest.ingest(accountId, events);
  expect(summary.accepted).toBe(4);
});

afterAll(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /api/v1/events for a subject-bound principal', () => {
  it('an unbound principal sees every subject', async () => {
    expect(await listSubjects(undefined)).toEqual(['acme', 'acme', 'acme-two', 'globex']);
  });

  it('a bound principal sees only its own subject (not even subjects that contain it)', async () => {
    expect(await listSubjects('acme')).toEqual(['acme', 'acme']);
  });

  it('asking for another subject does not widen the view', async () => {
    expect(await listSubjects('acme', '&subject=globex')).toEqual([]);
    expect(await listSubjects('acme', '&subject=acme')).toEqual(['acme', 'acme']);
  });
});
