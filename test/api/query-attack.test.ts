// Issue 11, point 1: one GET over a year of MINUTE windows, zero-filled and grouped by two
// dimensions, grew the process to 4.9 GB and killed it. Here the real server runs as a child with
// a small heap (so the old behaviour ends the child instead of filling the machine), with the
// default query limits, on demo-like data: 8 subjects x 4 endpoints over a year, a public meter
// and an unbound publishable key, the browser key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnTally } from '../support/child-server.js';
import { TEST_ADMIN_TOKEN } from '../support/test-server.js';

const DAY = 86_400_000;
const SUBJECTS = Array.from({ length: 8 }, (_, i) => `customer-${i}`);
const ENDPOINTS = ['/v1/chat', '/v1/embed', '/v1/search', '/v1/upload'];

let dir: string;
let server: ChildServer;
let publishable: string;

async function send(path: string, key: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function created<T>(res: Response): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-query-attack-'));
  server = await spawnTally(dir, { NODE_OPTIONS: '--max-old-space-size=384' });
  const account = await created<{ id: string }>(
    await send('/admin/v1/accounts', TEST_ADMIN_TOKEN, { name: 'attack' }),
  );
  const keys = `/admin/v1/accounts/${account.id}/keys`;
  const secret = (
    await created<{ key: string }>(await send(keys, TEST_ADMIN_TOKEN, { kind: 'secret' }))
  ).key;
  publishable = (
    await created<{ key: string }>(await send(keys, TEST_ADMIN_TOKEN, { kind: 'publishable' }))
  ).key;
  await created(
    await send('/api/v1/meters', secret, {
      slug: 'api_calls',
      aggregation: 'COUNT',
      eventType: 'api_call',
      groupBy: { endpoint: '$.endpoint' },
      metadata: { public: 'true' },
    }),
  );
  // One call per subject and endpoint every day of the past year (inside the -P365D range).
  const now = Date.now();
  const events = [];
  for (let d = 1; d <= 364; d++) {
    for (const subject of SUBJECTS) {
      for (const endpoint of ENDPOINTS) {
        events.push({
          id: `${d}-${subject}-${endpoint}`,
          source: 'attack-test',
          specversion: '1.0',
          type: 'api_call',
          subject,
          time: new Date(now - d * DAY).toISOString(),
          data: { endpoint },
        });
      }
    }
  }
  const res = await send('/api/v1/events', secret, events);
  expect(res.status, await res.text()).toBe(204);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a query too large to answer', () => {
  it('answers 400 with the estimate, the limit and how to narrow it, and the server stays up', async () => {
    const attack =
      '/api/v1/meters/api_calls/query?from=-P365D&windowSize=MINUTE&fill=zero&groupBy=subject&groupBy=endpoint';
    const res = await send(attack, publishable);
    const body = (await res.json()) as { status: number; detail: string };
    expect(res.status, body.detail).toBe(400);
    // 525,601 windows x 32 groups; the windows alone exceed the default limit of 250,000 cells.
    expect(body.detail).toMatch(/52560\d windows/);
    expect(body.detail).toContain('limit of 250000 cells');
    expect(body.detail).toContain('larger windowSize');

    // Hours fit the limit alone (8,761) and with one dimension, not with both (about 280,000).
    const base = '/api/v1/meters/api_calls/query?from=-P365D&windowSize=HOUR&fill=zero';
    const hours = await send(`${base}&groupBy=subject&groupBy=endpoint`, publishable);
    const hoursBody = (await hours.json()) as { detail: string };
    expect(hours.status, hoursBody.detail).toBe(400);
    expect(hoursBody.detail).toMatch(/\d+ cells \(876\d windows x \d+ groups\)/);
    const oneDim = await send(`${base}&groupBy=endpoint`, publishable);
    expect(oneDim.status).toBe(200);
    expect(((await oneDim.json()) as { data: unknown[] }).data.length).toBeGreaterThan(35_000);

    // The next request is answered, and it is correct.
    const next = await send(
      '/api/v1/meters/api_calls/query?from=-P365D&windowSize=MONTH&groupBy=endpoint',
      publishable,
    );
    expect(next.status).toBe(200);
    const rows = ((await next.json()) as { data: { value: number }[] }).data;
    expect(rows.reduce((s, r) => s + r.value, 0)).toBe(364 * SUBJECTS.length * ENDPOINTS.length);
    // Close to the largest answer the default limit allows (244,801 cells) fits the small heap.
    const largest = await send(
      '/api/v1/meters/api_calls/query?from=-P170D&windowSize=MINUTE&fill=zero',
      publishable,
    );
    expect(largest.status).toBe(200);
    expect(((await largest.json()) as { data: unknown[] }).data.length).toBeGreaterThan(244_000);
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr()).not.toContain('heap limit');
  }, 120_000);
});
