// CORS on the native API: a browser page on another origin (a customer portal holding a
// publishable key) may send preflights, read answers and read the problem bodies of refusals,
// Retry-After included. The answers themselves are unchanged by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestServer,
  testEvent,
} from '../support/test-server.js';

let server: TestServer;
let account: TestAccount;
const ORIGIN = { origin: 'https://portal.example' };

beforeAll(async () => {
  server = await startTestServer({
    // A token per 1,000 s: the limit is reached by count, never by the clock.
    env: { TALLY_RATE_LIMIT_RPS: '0.001', TALLY_RATE_LIMIT_BURST: '4' },
  });
  account = await server.createAccount('cors');
  const meter = await server.request(
    '/api/v1/meters',
    jsonInit(account.secretKey, 'POST', {
      slug: 'cors_calls',
      eventType: 'call',
      aggregation: 'COUNT',
    }),
  );
  expect(meter.status).toBe(201);
  const sent = await server.request(
    '/api/v1/events',
    jsonInit(account.secretKey, 'POST', [testEvent('call', 'c1', '2025-01-01T05:30:00Z', {})]),
  );
  expect(sent.status).toBeLessThan(300);
});

afterAll(async () => {
  await server.stop();
});

function expectCors(res: Response): void {
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After,Tally-Value-Problems');
}

describe('CORS on /api', () => {
  it('answers a preflight with the methods and headers a browser may send', async () => {
    const res = await server.request('/api/v1/meters/cors_calls/query', {
      method: 'OPTIONS',
      headers: {
        ...ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'Authorization,Content-Type,Accept',
    );
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('marks an answer readable cross-origin and leaves its body and type as they are', async () => {
    const res = await server.request(
      '/api/v1/meters/cors_calls/query?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&windowSize=HOUR',
      { key: account.secretKey, headers: ORIGIN },
    );
    expect(res.status).toBe(200);
    expectCors(res);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { data: { value: number; windowStart: string }[] };
    expect(body.data).toEqual([
      expect.objectContaining({ value: 1, windowStart: '2025-01-01T05:00:00.000Z' }),
    ]);
  });

  it('marks refusals readable too: a missing key, and a rate limit with its Retry-After', async () => {
    const missing = await server.request('/api/v1/meters', { headers: ORIGIN });
    expect(missing.status).toBe(401);
    expectCors(missing);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');

    // Its own key: the burst of 4 is counted per key.
    const { key } = await account.createKey('secret');
    let limited: Response | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await server.request('/api/v1/meters', {
        key,
        headers: ORIGIN,
      });
      if (res.status === 429) limited = res;
      else await res.body?.cancel();
    }
    expect(limited?.status).toBe(429);
    if (!limited) return;
    expectCors(limited);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
