// Issue 11, the query side: the cost bound (windows x estimated groups), results a number cannot
// carry, refused customer filters, and parameters that used to answer 500. Runs the real HTTP app
// (Hono, auth, problem mapping) over a real embedded store, through app.fetch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const SUBJECTS = Array.from({ length: 8 }, (_, i) => `subject-${i}`);
const ENDPOINTS = ['/a', '/b', '/c', '/d'];
const MAX_CELLS = 1000;

let dir: string;
let app: App;
let accountId: string;
let secret: string;

async function call(path: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const { key = secret, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('authorization', `Bearer ${key}`);
  return app.fetch(new Request(`http://tally.test${path}`, { ...rest, headers }));
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function problem(res: Response): Promise<{ status: number; detail: string }> {
  const body = (await res.json()) as { detail?: string };
  return { status: res.status, detail: body.detail ?? '' };
}

const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 100 * DAY).toISOString()}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-query-limits-'));
  app = await createApp(
    loadConfig({
      TALLY_DATA_DIR: dir,
      TALLY_LOG_LEVEL: 'silent',
      TALLY_QUERY_MAX_CELLS: String(MAX_CELLS),
    }),
  );
  const s = app.services;
  accountId = (await s.keys.createAccount('limits')).id;
  secret = (await s.keys.createKey(accountId, 'secret')).key;
  await s.meters.create(accountId, {
    slug: 'calls',
    aggregation: 'SUM',
    eventType: 'call',
    valueProperty: '$.n',
    groupBy: { endpoint: '$.endpoint' },
  });
  await s.meters.create(accountId, {
    slug: 'huge',
    aggregation: 'SUM',
    eventType: 'huge',
    valueProperty: '$.n',
  });
  // One event per (day, subject, endpoint) for 100 days: 100 DAY windows, 8 x 4 = 32 groups.
  const events = [];
  for (let d = 0; d < 100; d++) {
    for (const subject of SUBJECTS) {
      for (const endpoint of ENDPOINTS) {
        events.push({
          id: `c-${d}-${subject}-${endpoint}`,
          source: 'test',
          specversion: '1.0',
          type: 'call',
          subject,
          time: new Date(T0 + d * DAY + 3_600_000).toISOString(),
          data: { n: 1, endpoint },
        });
      }
    }
  }
  const res = await post('/api/v1/events', events, {
    'content-type': 'application/cloudevents-batch+json',
  });
  expect(res.status, await res.text()).toBe(204);
}, 60_000);

afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the cost bound counts windows x groups', () => {
  it('answers when windows alone, and windows x one dimension, fit the budget', async () => {
    const alone = await call(`/api/v1/meters/calls/query?${range}&windowSize=DAY&fill=zero`);
    expect(alone.status).toBe(200);
    expect(((await alone.json()) as { data: unknown[] }).data).toHaveLength(100);
    // 100 windows x 8 subjects = 800 cells <= 1000.
    const bySubject = await call(
      `/api/v1/meters/calls/query?${range}&windowSize=DAY&fill=zero&groupBy=subject`,
    );
    expect(bySubject.status).toBe(200);
    expect(((await bySubject.json()) as { data: unknown[] }).data).toHaveLength(800);
  });

  it('refuses windows x groups over the budget before running it, and says how to narrow it', async () => {
    // 100 windows x 32 groups = 3200 cells > 1000, though 100 windows alone fit.
    const res = await call(
      `/api/v1/meters/calls/query?${range}&windowSize=DAY&fill=zero&groupBy=subject&groupBy=endpoint`,
    );
    const p = await problem(res);
    expect(p.status).toBe(400);
    expect(p.detail).toMatch(/estimated at \d+ cells \(100 windows x \d+ groups\)/);
    expect(p.detail).toContain(`limit of ${MAX_CELLS} cells`);
    expect(p.detail).toMatch(/windowSize.*range.*groupBy.*filters/);
    // The same two dimensions with a filter down to one subject fit: 100 x 4 = 400.
    const narrowed = await call(
      `/api/v1/meters/calls/query?${range}&windowSize=DAY&groupBy=subject&groupBy=endpoint&filterGroupBy[subject]=subject-1`,
    );
    expect(narrowed.status).toBe(200);
  });

  it('refuses the same query in a POST body', async () => {
    const res = await post('/api/v1/meters/calls/query', {
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 100 * DAY).toISOString(),
      windowSize: 'DAY',
      groupBy: ['subject', 'endpoint'],
    });
    expect(res.status).toBe(400);
  });

  it('refuses too many windows before laying them out', async () => {
    const res = await call(
      `/api/v1/meters/calls/query?from=2000-01-01T00:00:00Z&to=2024-01-01T00:00:00Z&windowSize=MINUTE`,
    );
    const p = await problem(res);
    expect(p.status).toBe(400);
    expect(p.detail).toContain(`limit of ${MAX_CELLS} cells`);
  });
});

describe('results a number cannot carry', () => {
  beforeAll(async () => {
    // Stored directly, as data from before values were bounded at ingest would be.
    const meter = await app.services.meters.get(accountId, 'huge');
    await app.services.store.append(
      [0, 1].map((i) => ({
        event: {
          accountId,
          id: `huge-${i}`,
          source: 'test',
          type: 'huge',
          subject: 'big',
          time: T0 + 5 * DAY + i,
          ingestedAt: T0 + 5 * DAY + i,
          data: JSON.stringify({ n: 1.7e308 }),
        },
        rows: [{ meterId: meter.id, value: 1.7e308, valueText: null, dims: [] }],
      })),
    );
  });

  it('answers 422 naming the window, never null, in JSON and in CSV', async () => {
    const url = `/api/v1/meters/huge/query?${range}&windowSize=DAY&groupBy=subject`;
    for (const accept of ['application/json', 'text/csv']) {
      const res = await call(url, { headers: { accept } });
      const text = await res.text();
      expect(text).not.toMatch(/Infinity|"value":null/);
      expect(res.status, text).toBe(422);
      const detail = (JSON.parse(text) as { detail: string }).detail;
      expect(detail).toContain('2024-01-06T00:00:00.000Z');
      expect(detail).toContain('subject="big"');
      expect(detail).toContain('huge');
    }
  });

  it('never acknowledges such values into a null: ingested ones are refused or counted finite', async () => {
    await app.services.meters.create(accountId, {
      slug: 'huge_ingested',
      aggregation: 'SUM',
      eventType: 'huge_ingested',
      valueProperty: '$.n',
    });
    const events = [0, 1].map((i) => ({
      id: `hi-${i}`,
      source: 'test',
      specversion: '1.0',
      type: 'huge_ingested',
      subject: 'big',
      time: new Date(T0 + DAY + i).toISOString(),
      data: { n: 1.7e308 },
    }));
    expect([200, 202, 204]).toContain((await post('/api/v1/events', events)).status);
    for (const accept of ['application/json', 'text/csv']) {
      const res = await call(`/api/v1/meters/huge_ingested/query?${range}`, {
        headers: { accept },
      });
      const text = await res.text();
      expect(text).not.toMatch(/Infinity|NaN|"value":null/);
      expect([200, 422]).toContain(res.status);
    }
  });
});

// An unknown customer is refused on meter queries (test/api/customers.cases.ts filters by real
// ones); the event list reads no customers and refuses any customer filter.
describe('customer filters naming no customer are refused, not ignored', () => {
  it('GET filterCustomerId, POST filterCustomerId and customerId, portal GET, events customerId', async () => {
    const bound = (await app.services.keys.createKey(accountId, 'publishable', 'subject-1')).key;
    const responses = [
      await call(`/api/v1/meters/calls/query?${range}&filterCustomerId=c1`),
      await post('/api/v1/meters/calls/query', { filterCustomerId: ['c1'] }),
      await post('/api/v1/meters/calls/query', { customerId: 'c1' }),
      await call(`/api/v1/portal/meters/calls/query?${range}&filterCustomerId=c1`, { key: bound }),
      await call('/api/v1/events?customerId=c1'),
    ];
    for (const [i, res] of responses.entries()) {
      const p = await problem(res);
      expect(p.status).toBe(400);
      expect(p.detail).toMatch(/[cC]ustomerId/);
      if (i === responses.length - 1) expect(p.detail).toContain('filter by subject');
      else expect(p.detail).toContain('no customer "c1"');
    }
  });

  it('under the names client libraries give arrays, and customerId on a GET query', async () => {
    const bound = (await app.services.keys.createKey(accountId, 'publishable', 'subject-1')).key;
    const responses = [
      await call(`/api/v1/meters/calls/query?${range}&filterCustomerId%5B%5D=c1`),
      await call(`/api/v1/meters/calls/query?${range}&filterCustomerId%5B0%5D=c1`),
      await call(`/api/v1/meters/calls/query?${range}&customerId=c1`),
      await call(`/api/v1/meters/calls/query?${range}&customerId%5B%5D=c1`),
      await call(`/api/v1/portal/meters/calls/query?${range}&filterCustomerId%5B%5D=c1`, {
        key: bound,
      }),
      await call('/api/v1/events?customerId%5B%5D=c1'),
    ];
    for (const [i, res] of responses.entries()) {
      const p = await problem(res);
      expect(p.status).toBe(400);
      expect(p.detail).toMatch(/[cC]ustomerId/);
      if (i === responses.length - 1) expect(p.detail).toContain('filter by subject');
      else expect(p.detail).toContain('no customer "c1"');
    }
  });

  it('any other unknown parameter names the parameter instead of widening the answer', async () => {
    for (const name of ['subject%5B%5D', 'filtergroupby%5Bendpoint%5D', 'subjects', 'windowsize']) {
      for (const path of ['/api/v1/meters/calls/query', '/api/v1/portal/meters/calls/query']) {
        const bound = (await app.services.keys.createKey(accountId, 'publishable', 'subject-1'))
          .key;
        const res = await call(
          `${path}?${range}&${name}=x`,
          path.includes('portal') ? { key: bound } : {},
        );
        const p = await problem(res);
        expect(p.status, `${path} ${name}`).toBe(400);
        expect(p.detail).toContain(decodeURIComponent(name));
      }
    }
    // The parameters it knows still work, deepObject filters included.
    const ok = await call(
      `/api/v1/meters/calls/query?${range}&subject=subject-1&filterGroupBy%5Bendpoint%5D=x`,
    );
    expect(ok.status).toBe(200);
  });
});

describe('bad parameters answer 400, not 500', () => {
  it('instants outside the Date range or not in the grammar name the parameter', async () => {
    for (const [param, value] of [
      ['to', '9999999999999999'],
      ['from', 'garbage'],
      ['from', 'last tuesday'],
      ['to', '2024-02-30T00:00:00Z'],
      ['from', '-P99999999999999D'],
      ['to', '+275760-09-13T00:00:01Z'],
    ] as const) {
      const res = await call(`/api/v1/meters/calls/query?${param}=${encodeURIComponent(value)}`);
      const p = await problem(res);
      expect(p.status, `${param}=${value}: ${p.detail}`).toBe(400);
      expect(p.detail).toContain(param);
    }
  });

  it('prototype names as filterGroupBy keys', async () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await call(`/api/v1/meters/calls/query?${range}&filterGroupBy[${key}]=x`);
      const p = await problem(res);
      expect(p.status, `${key}: ${p.detail}`).toBe(400);
      expect(p.detail).toContain('has no dimension');
    }
  });

  it('a "__proto__" dimension in a POST body or advancedMeterGroupByFilters is refused, not dropped', async () => {
    const raw = '{"__proto__":["x"]}';
    for (const res of [
      await call('/api/v1/meters/calls/query', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"filterGroupBy":${raw}}`,
      }),
      await call('/api/v1/meters/calls/query', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"advancedMeterGroupByFilters":{"__proto__":{"$eq":"x"}}}',
      }),
      await call(
        `/api/v1/meters/calls/query?advancedMeterGroupByFilters=${encodeURIComponent('{"__proto__":{"$eq":"x"}}')}`,
      ),
    ]) {
      const p = await problem(res);
      expect(p.status, p.detail).toBe(400);
      expect(p.detail).toContain('__proto__');
    }
  });

  it('filters nested 1,000 deep, in a POST body and in advancedMeterGroupByFilters', async () => {
    let deep: unknown = { $eq: '/a' };
    for (let i = 0; i < 1000; i++) deep = { $and: [deep] };
    const body = await post('/api/v1/meters/calls/query', {
      advancedMeterGroupByFilters: { endpoint: deep },
    });
    const p = await problem(body);
    expect(p.status).toBe(400);
    expect(p.detail).toContain('at most 16 levels');
    const get = await call(
      `/api/v1/meters/calls/query?${range}&advancedMeterGroupByFilters=${encodeURIComponent(JSON.stringify({ endpoint: deep }))}`,
    );
    expect(get.status).toBe(400);
    // Sixteen levels are still a filter.
    let ok: unknown = { $eq: '/a' };
    for (let i = 0; i < 15; i++) ok = { $and: [ok] };
    const fine = await post('/api/v1/meters/calls/query', {
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 100 * DAY).toISOString(),
      advancedMeterGroupByFilters: { endpoint: ok },
    });
    expect(fine.status).toBe(200);
    expect(((await fine.json()) as { data: { value: number }[] }).data[0]?.value).toBe(800);
  });

  it('arbitrary query parameters answer 200 or 4xx, never 5xx (property)', async () => {
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom('now', '-PT1M', '-P', '9999999999999999', '2024-01-01', 'DAY', 'MINUTE'),
    );
    const param = fc.oneof(
      fc.tuple(fc.constantFrom('from', 'to', 'windowSize', 'windowTimeZone', 'groupBy'), text),
      fc
        .tuple(
          fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'endpoint', 'subject')),
          text,
        )
        .map(([k, v]) => [`filterGroupBy[${k}]`, v] as [string, string]),
      fc.tuple(
        fc.constantFrom('fill', 'aggregationMode', 'rollingSpan', 'cumulativePeriod', 'subject'),
        text,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 6 }), async (params) => {
        const qs = new URLSearchParams(params).toString();
        const res = await call(`/api/v1/meters/calls/query?${qs}`);
        await res.arrayBuffer();
        expect(res.status, qs).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
