// Realtime values: from/to relative to the time of the request ("now", "-PT1M").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestAccount, type TestServer } from '../support/test-server.js';

describe('realtime query window', () => {
  let server: TestServer;
  let account: TestAccount;
  beforeAll(async () => {
    server = await startTestServer();
    account = await server.createAccount('realtime');
    const meter = await server.request('/api/v1/meters', {
      method: 'POST',
      key: account.secretKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        slug: 'viewers',
        aggregation: 'UNIQUE_COUNT',
        eventType: 'heartbeat',
        valueProperty: '$.session',
      }),
    });
    expect(meter.status).toBe(201);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('counts only events of the last minute', async () => {
    const now = Date.now();
    const at = (ms: number, session: string, id: string) => ({
      specversion: '1.0',
      id,
      source: 'player',
      type: 'heartbeat',
      subject: 'video-1',
      time: new Date(ms).toISOString(),
      data: { session },
    });
    const res = await server.request('/api/v1/events', {
      method: 'POST',
      key: account.secretKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        at(now - 5_000, 'a', '1'),
        at(now - 10_000, 'b', '2'),
        at(now - 12_000, 'a', '3'),
        at(now - 10 * 60_000, 'c', '4'),
      ]),
    });
    expect(res.status).toBe(204);
    const q = await server.request('/api/v1/meters/viewers/query?from=-PT1M&to=now', {
      key: account.secretKey,
    });
    const body = (await q.json()) as {
      data: { value: number; windowStart: string; windowEnd: string }[];
    };
    expect(body.data.map((r) => r.value)).toEqual([2]);
    const span =
      Date.parse(body.data[0]?.windowEnd ?? '') - Date.parse(body.data[0]?.windowStart ?? '');
    expect(span).toBe(60_000);
    const bad = await server.request('/api/v1/meters/viewers/query?from=-1M', {
      key: account.secretKey,
    });
    expect(bad.status).toBe(400);
  });
});
