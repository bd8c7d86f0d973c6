// POST /api/v1/events on a process that does not write the account's events: the request is
// forwarded to the owner and the owner's answer comes back unchanged; a forwarded request is never
// forwarded again; an owner that cannot answer, or an ownership that is moving, gives 503 with
// Retry-After. Two real servers on loopback: A's store is wrapped so that its placement names B
// (the transport is under test here; the real placement is tested with the ClickHouse store), and
// both know the same account and key (copied from B's store into A's, as a shared database would).

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { requestId } from 'hono/request-id';
import type { Counter } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FORWARDED_BY_HEADER, forwardIngest } from '../../src/api/native/forward-ingest.js';
import { problemResponse } from '../../src/api/problem.js';
import { routesApp } from '../../src/api/routes-app.js';
import type { Placement, Store } from '../../src/store/ports.js';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestEvent,
  type TestServer,
  testEvent,
} from '../support/test-server.js';

const T0 = '2024-03-01T10:00:00.000Z';
const RANGE = 'from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z';

interface Problem {
  status: number;
  detail: string;
  instance: string;
  extensions?: { accepted?: number; rejected?: { index: number; reason: string }[] };
}

/** Replaces a server's store by one whose placement is `placement()`; every other member is the real store's. */
function placeWith(server: TestServer, placement: () => Placement): () => void {
  const real = server.services.store;
  server.services.store = new Proxy(real, {
    get(target, prop) {
      if (prop === 'placement') return () => placement();
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  return () => {
    server.services.store = real;
  };
}

/** The account and its keys, as B stores them, stored in A too. */
async function shareAccount(from: TestServer, to: TestServer, accountId: string): Promise<void> {
  const account = (await from.services.store.listAccounts()).find((a) => a.id === accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  await to.services.store.putAccount(account);
  for (const key of await from.services.store.listKeys(accountId)) {
    await to.services.store.putKey(key);
  }
}

async function counterValue(
  server: TestServer,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = server.services.metrics.registry.getSingleMetric(name) as Counter | undefined;
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

let a: TestServer;
let b: TestServer;
let account: TestAccount;
let placementOfA: Placement;
let unplaceA: () => void;
let typeCounter = 0;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestServer(), startTestServer()]);
  account = await b.createAccount('forwarded');
  await shareAccount(b, a, account.id);
  placementOfA = { kind: 'remote', url: b.url };
  unplaceA = placeWith(a, () => placementOfA);
});

afterEach(() => {
  placementOfA = { kind: 'remote', url: b.url };
});

afterAll(async () => {
  unplaceA();
  await Promise.all([a.stop(), b.stop()]);
});

/** A fresh event type with a COUNT meter on B, so each case counts only its own events. */
async function freshType(): Promise<string> {
  typeCounter += 1;
  const type = `fwd_t${typeCounter}`;
  const res = await b.request(
    '/api/v1/meters',
    jsonInit(account.secretKey, 'POST', { slug: type, eventType: type, aggregation: 'COUNT' }),
  );
  expect(res.status).toBe(201);
  return type;
}

async function countOn(server: TestServer, slug: string): Promise<number> {
  const res = await server.request(`/api/v1/meters/${slug}/query?${RANGE}`, {
    key: account.secretKey,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { value: number }[] };
  return body.data.reduce((sum, row) => sum + row.value, 0);
}

/** Events A stored itself (none: it writes nothing for the account). */
async function listedOnA(): Promise<number> {
  const res = await a.request(`/api/v1/events?${RANGE}`, { key: account.secretKey });
  expect(res.status).toBe(200);
  return ((await res.json()) as unknown[]).length;
}

function events(type: string, n: number): TestEvent[] {
  return Array.from({ length: n }, (_, i) => testEvent(type, `s${i % 3}`, T0, { n: i }));
}

function postTo(
  server: TestServer,
  body: BodyInit,
  headers: Record<string, string> = {},
  key = account.secretKey,
) {
  return server.request('/api/v1/events', {
    key,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function expectRetryable503(res: Response): Promise<Problem> {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Problem;
}

describe('forwarded to the owner', () => {
  it('a batch sent to A is stored by B, and A answers B’s 204', async () => {
    placementOfA = { kind: 'remote', url: b.url };
    const type = await freshType();
    const batch = events(type, 7);
    const before = await counterValue(a, 'tally_ingest_forwarded_total', { status: '204' });
    const res = await postTo(a, JSON.stringify(batch));
    expect(res.status).toBe(204);
    expect(res.headers.get('tally-value-problems')).toBeNull();
    expect(await countOn(b, type)).toBe(batch.length);
    expect(await listedOnA()).toBe(0);
    expect(await counterValue(a, 'tally_ingest_forwarded_total', { status: '204' })).toBe(
      before + 1,
    );
  });

  it('Prefer: return=representation gets B’s 200 summary', async () => {
    const type = await freshType();
    const batch = events(type, 4);
    const res = await postTo(a, JSON.stringify(batch), { prefer: 'return=representation' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    // The same batch again: B knows every event, so it reports duplicates.
    const again = await postTo(a, JSON.stringify(batch), { prefer: 'return=representation' });
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 4, rejected: [] });
    expect(await countOn(b, type)).toBe(4);
  });

  it('a batch with one bad event gets B’s 400 naming the same index; the others are stored', async () => {
    const type = await freshType();
    const batch: unknown[] = events(type, 5);
    const badIndex = 3;
    batch[badIndex] = { ...(batch[badIndex] as TestEvent), time: 'not a time' };
    const res = await postTo(a, JSON.stringify(batch));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Problem;
    expect(problem.extensions?.rejected?.map((r) => r.index)).toEqual([badIndex]);
    expect(problem.extensions?.accepted).toBe(batch.length - 1);
    expect(await countOn(b, type)).toBe(batch.length - 1);
  });

  it('Tally-Value-Problems computed by B comes back', async () => {
    typeCounter += 1;
    const type = `fwd_v${typeCounter}`;
    const meter = await b.request(
      '/api/v1/meters',
      jsonInit(account.secretKey, 'POST', {
        slug: type,
        eventType: type,
        aggregation: 'SUM',
        valueProperty: '$.tokens',
      }),
    );
    expect(meter.status).toBe(201);
    const values = [5, 'many', 2, null, 'x', 9];
    const batch = values.map((tokens) => testEvent(type, 'u', T0, { tokens }));
    const notNumbers = values.filter((v) => typeof v !== 'number').length;
    const res = await postTo(a, JSON.stringify(batch));
    expect(res.status).toBe(204);
    expect(res.headers.get('tally-value-problems')).toBe(String(notNumbers));
  });

  it('a gzip body arrives intact', async () => {
    const type = await freshType();
    const batch = events(type, 25);
    const ndjson = batch.map((e) => JSON.stringify(e)).join('\n');
    const res = await postTo(a, gzipSync(ndjson), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(204);
    expect(await countOn(b, type)).toBe(batch.length);
  });
});

describe('what travels', () => {
  let owner: Server;
  let ownerUrl: string;
  let seen: { url: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];

  beforeAll(async () => {
    owner = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(429, {
          'content-type': 'application/problem+json',
          'retry-after': '7',
          'tally-value-problems': '2',
          'x-owner-internal': 'not for the client',
        });
        res.end('{"status":429,"detail":"from the owner"}');
      });
    });
    await new Promise<void>((resolve) => owner.listen(0, '127.0.0.1', resolve));
    ownerUrl = `http://127.0.0.1:${(owner.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => owner.close(() => resolve()));
  });

  it('the exact bytes, query string and headers go to the owner; its answer comes back as is', async () => {
    seen = [];
    placementOfA = { kind: 'remote', url: ownerUrl };
    const body = gzipSync(JSON.stringify(events('whatever', 3)));
    const res = await a.request('/api/v1/events?x=1&y=two', {
      key: account.secretKey,
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents-batch+json',
        'content-encoding': 'gzip',
        prefer: 'return=representation',
        accept: 'application/json',
        'x-request-id': 'client-chosen-id-42',
        cookie: 'session=not-forwarded',
      },
      body,
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('tally-value-problems')).toBe('2');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('x-owner-internal')).toBeNull();
    expect(await res.text()).toBe('{"status":429,"detail":"from the owner"}');

    expect(seen).toHaveLength(1);
    const [got] = seen;
    expect(got?.url).toBe('/api/v1/events?x=1&y=two');
    expect(got?.body.equals(body)).toBe(true);
    expect(got?.headers.authorization).toBe(`Bearer ${account.secretKey}`);
    expect(got?.headers['content-type']).toBe('application/cloudevents-batch+json');
    expect(got?.headers['content-encoding']).toBe('gzip');
    expect(got?.headers.prefer).toBe('return=representation');
    expect(got?.headers.accept).toBe('application/json');
    expect(got?.headers['x-request-id']).toBe('client-chosen-id-42');
    expect(got?.headers[FORWARDED_BY_HEADER.toLowerCase()]).toBeTruthy();
    expect(got?.headers.cookie).toBeUndefined();
  });

  it('the key is checked by A before anything is forwarded', async () => {
    seen = [];
    placementOfA = { kind: 'remote', url: ownerUrl };
    const res = await postTo(a, JSON.stringify(events('x', 1)), {}, 'tally_sk_not-a-key');
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(0);
  });
});

describe('no owner to answer: 503 with Retry-After, nothing stored', () => {
  it('a forwarded request reaching a process that does not own the account is not forwarded again', async () => {
    // Each process thinks the other owns the account, as during a move.
    placementOfA = { kind: 'remote', url: b.url };
    const unplaceB = placeWith(b, () => ({ kind: 'remote', url: a.url }));
    try {
      const type = await freshType();
      const before = await counterValue(b, 'tally_ingest_forward_failures_total', {
        reason: 'not_owner',
      });
      const res = await postTo(a, JSON.stringify(events(type, 2)));
      const problem = await expectRetryable503(res);
      expect(problem.detail).toMatch(/forwarded/);
      expect(
        await counterValue(b, 'tally_ingest_forward_failures_total', { reason: 'not_owner' }),
      ).toBe(before + 1);
      // B answered for itself: it did not forward to A, which would have forwarded to B again.
      expect(await counterValue(b, 'tally_ingest_forwarded_total', {})).toBe(0);
      expect(await countOn(b, type)).toBe(0);
      expect(await listedOnA()).toBe(0);
    } finally {
      unplaceB();
    }
  });

  it('a request with the forwarded-by header is stored by the owner', async () => {
    const type = await freshType();
    const res = await postTo(b, JSON.stringify(events(type, 3)), {
      [FORWARDED_BY_HEADER]: 'another-process',
    });
    expect(res.status).toBe(204);
    expect(await countOn(b, type)).toBe(3);
  });

  it('an owner that refuses connections', async () => {
    const port = await closedPort();
    placementOfA = { kind: 'remote', url: `http://127.0.0.1:${port}` };
    const before = await counterValue(a, 'tally_ingest_forward_failures_total', {
      reason: 'unreachable',
    });
    const problem = await expectRetryable503(await postTo(a, JSON.stringify(events('x', 1))));
    expect(problem.detail).toMatch(/cannot be reached/);
    expect(
      await counterValue(a, 'tally_ingest_forward_failures_total', { reason: 'unreachable' }),
    ).toBe(before + 1);
  });

  it('an owner that drops the connection', async () => {
    const dropping = createTcpServer((socket: Socket) => socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    try {
      placementOfA = {
        kind: 'remote',
        url: `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`,
      };
      await expectRetryable503(await postTo(a, JSON.stringify(events('x', 1))));
    } finally {
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
    }
  });

  it('ownership moving', async () => {
    placementOfA = { kind: 'moving' };
    const type = await freshType();
    const res = await postTo(a, JSON.stringify(events(type, 2)));
    await expectRetryable503(res);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await countOn(b, type)).toBe(0);
    expect(await listedOnA()).toBe(0);
  });

  it('an owner that never answers: the forward times out', async () => {
    // Accepts the connection and reads the request, never answers.
    const held: Socket[] = [];
    const silent = createTcpServer((socket: Socket) => {
      held.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const app = routesApp();
    app.use(requestId());
    app.onError((err, c) => problemResponse(c, err, c.get('requestId')));
    app.post('/api/v1/events', (c) =>
      forwardIngest(c, { kind: 'remote', url }, { answerHeaders: [], timeoutMs: 200 }),
    );
    try {
      const res = await app.request('/api/v1/events', { method: 'POST', body: '[]' });
      const problem = await expectRetryable503(res);
      expect(problem.detail).toMatch(/did not answer within 200 ms/);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

/** A loopback port nothing listens on: one the system gave out, then closed. */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
