// Operations endpoints and the shape of every problem response: health, readiness, Prometheus
// metrics, the served OpenAPI document, and validation errors that list every problem at once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestServer,
  testEvent,
} from '../support/test-server.js';

interface ValidationProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  extensions?: { validationErrors?: { field: string; code: string; message: string }[] };
}

let server: TestServer;
let account: TestAccount;

beforeAll(async () => {
  server = await startTestServer();
  account = await server.createAccount('ops');
  const meter = await server.request(
    '/api/v1/meters',
    jsonInit(account.secretKey, 'POST', {
      slug: 'ops_tokens',
      eventType: 'ops',
      aggregation: 'SUM',
      valueProperty: '$.n',
    }),
  );
  expect(meter.status).toBe(201);
});

afterAll(async () => {
  await server.stop();
});

describe('health and metrics', () => {
  it('/healthz answers 200 without a key', async () => {
    const res = await server.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 once the store is open', async () => {
    const res = await server.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', store: 'embedded' });
  });

  it('/metrics exposes ingest counts and query latency after traffic', async () => {
    const ingest = await server.request(
      '/api/v1/events',
      jsonInit(account.secretKey, 'POST', [
        testEvent('ops', 's', '2024-01-01T00:00:00Z', { n: 2 }),
      ]),
    );
    expect(ingest.status).toBe(204);
    const query = await server.request(
      '/api/v1/meters/ops_tokens/query?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z',
      { key: account.secretKey },
    );
    expect(query.status).toBe(200);

    const res = await server.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE tally_ingest_events_total counter$/m);
    expect(text).toMatch(/^tally_ingest_events_total\{result="accepted"\} [1-9]/m);
    expect(text).toMatch(/^# TYPE tally_query_duration_seconds histogram$/m);
    expect(text).toMatch(/^tally_query_duration_seconds_count [1-9]/m);
    // The 2024 event's day is closed, but rows arrived less than the quiet period ago.
    expect(text).toMatch(/^tally_store_compaction_backlog_chunks 1$/m);
  });
});

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 and lists the native paths', async () => {
    const res = await server.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\.1\./);
    const expected: [string, string[]][] = [
      ['/api/v1/events', ['get', 'post']],
      ['/api/v1/meters', ['get', 'post']],
      ['/api/v1/meters/{meterIdOrSlug}', ['get', 'put', 'delete']],
      ['/api/v1/meters/{meterIdOrSlug}/query', ['get', 'post']],
      ['/api/v1/meters/{meterIdOrSlug}/subjects', ['get']],
      ['/api/v1/meters/{meterIdOrSlug}/group-by/{groupByKey}/values', ['get']],
      ['/api/v1/portal/meters/{meterSlug}/query', ['get']],
      ['/api/v1/me', ['get']],
      ['/admin/v1/accounts', ['get', 'post']],
      ['/admin/v1/accounts/{id}/keys', ['get', 'post']],
    ];
    for (const [path, methods] of expected) {
      expect(Object.keys(doc.paths), path).toContain(path);
      for (const m of methods) expect(doc.paths[path], `${m} ${path}`).toHaveProperty(m);
    }
    // The ingest route documents all four content types.
    const post = doc.paths['/api/v1/events']?.post as {
      requestBody?: { content?: Record<string, unknown> };
    };
    expect(Object.keys(post.requestBody?.content ?? {}).sort()).toEqual([
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
      'application/json',
      'application/x-ndjson',
    ]);
  });
});

describe('problem responses', () => {
  async function problemOf(res: Response): Promise<ValidationProblem> {
    // Exactly this value: the OpenMeter client only reads the body when the header equals it.
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as ValidationProblem;
    expect(body.type).toBe('about:blank');
    expect(body.status).toBe(res.status);
    expect(body.instance).toMatch(/^urn:request:/);
    return body;
  }

  const fields = (p: ValidationProblem) =>
    (p.extensions?.validationErrors ?? []).map((e) => e.field);

  it('GET query: a bad windowSize and a bad windowTimeZone are both reported', async () => {
    const res = await server.request(
      '/api/v1/meters/ops_tokens/query?windowSize=FORTNIGHT&windowTimeZone=Mars%2FOlympus',
      { key: account.secretKey },
    );
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.title).toBe('Bad Request');
    expect(fields(p)).toEqual(expect.arrayContaining(['windowSize', 'windowTimeZone']));
  });

  it('POST query: a bad windowSize, a bad windowTimeZone and a bad from are all reported', async () => {
    const res = await server.request(
      '/api/v1/meters/ops_tokens/query',
      jsonInit(account.secretKey, 'POST', {
        windowSize: 'FORTNIGHT',
        windowTimeZone: 'Mars/Olympus',
        from: 'last tuesday',
      }),
    );
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(fields(p)).toEqual(expect.arrayContaining(['windowSize', 'windowTimeZone', 'from']));
    // The detail names each field too, for clients that only show the detail.
    expect(p.detail).toMatch(/windowSize/);
    expect(p.detail).toMatch(/windowTimeZone/);
  });

  it('meter create: every invalid field at once', async () => {
    const res = await server.request(
      '/api/v1/meters',
      jsonInit(account.secretKey, 'POST', { slug: 'Bad Slug', aggregation: 'MEDIAN' }),
    );
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(fields(p)).toEqual(expect.arrayContaining(['slug', 'aggregation', 'eventType']));
  });

  it('a malformed JSON body is a 400 problem, not a 500', async () => {
    const res = await server.request('/api/v1/meters', {
      key: account.secretKey,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"slug":',
    });
    expect(res.status).toBe(400);
    await problemOf(res);
  });

  it('401, 404 and unknown routes are problems too', async () => {
    const unauth = await server.request('/api/v1/meters');
    expect(unauth.status).toBe(401);
    expect((await problemOf(unauth)).title).toBe('Unauthorized');

    const missing = await server.request('/api/v1/meters/nope', { key: account.secretKey });
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).title).toBe('Not Found');

    const route = await server.request('/api/v1/nothing-here', { key: account.secretKey });
    expect(route.status).toBe(404);
    await problemOf(route);
  });
});
