// POST /api/v1/events over HTTP: every content type, gzip, partial batches, duplicates, and the
// refusals (bad content type, oversized body, rate limit). Stored events are counted back through a
// COUNT meter, so "accepted" is checked by what a query sees, not by the response alone.

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestEvent,
  type TestServer,
  testEvent,
} from '../support/test-server.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  extensions?: {
    accepted?: number;
    duplicates?: number;
    rejected?: { index: number; id: string | null; reason: string }[];
    validationErrors?: { field: string; message: string }[];
  };
}

const T0 = '2024-03-01T10:00:00.000Z';

let server: TestServer;
let account: TestAccount;
let typeCounter = 0;

/** A fresh event type with a COUNT meter on it, so each case counts only its own events. */
async function freshType(): Promise<string> {
  typeCounter += 1;
  const type = `ingest_t${typeCounter}`;
  const res = await server.request(
    '/api/v1/meters',
    jsonInit(account.secretKey, 'POST', { slug: type, eventType: type, aggregation: 'COUNT' }),
  );
  expect(res.status).toBe(201);
  return type;
}

async function storedCount(type: string): Promise<number> {
  const res = await server.request(
    `/api/v1/meters/${type}/query?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z`,
    { key: account.secretKey },
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { value: number }[] };
  return body.data.reduce((sum, row) => sum + row.value, 0);
}

function post(body: BodyInit, contentType: string, extra: Record<string, string> = {}) {
  return server.request('/api/v1/events', {
    key: account.secretKey,
    method: 'POST',
    headers: { 'content-type': contentType, ...extra },
    body,
  });
}

function events(type: string, n: number): TestEvent[] {
  return Array.from({ length: n }, (_, i) => testEvent(type, `s${i % 2}`, T0, { n: i }));
}

beforeAll(async () => {
  server = await startTestServer();
  account = await server.createAccount('ingest');
});

afterAll(async () => {
  await server.stop();
});

describe('content types', () => {
  it('application/cloudevents+json: one event', async () => {
    const type = await freshType();
    const res = await post(
      JSON.stringify(testEvent(type, 's', T0, {})),
      'application/cloudevents+json',
    );
    expect(res.status).toBe(204);
    expect(await storedCount(type)).toBe(1);
  });

  it('application/cloudevents-batch+json: an array', async () => {
    const type = await freshType();
    const res = await post(JSON.stringify(events(type, 3)), 'application/cloudevents-batch+json');
    expect(res.status).toBe(204);
    expect(await storedCount(type)).toBe(3);
  });

  it('application/json: one event and an array', async () => {
    const type = await freshType();
    expect(
      (await post(JSON.stringify(testEvent(type, 's', T0, {})), 'application/json')).status,
    ).toBe(204);
    expect((await post(JSON.stringify(events(type, 2)), 'application/json')).status).toBe(204);
    expect(await storedCount(type)).toBe(3);
  });

  it('application/json with a charset parameter', async () => {
    const type = await freshType();
    const res = await post(JSON.stringify(events(type, 2)), 'application/json; charset=utf-8');
    expect(res.status).toBe(204);
    expect(await storedCount(type)).toBe(2);
  });

  it('application/x-ndjson: one event a line, blank lines ignored', async () => {
    const type = await freshType();
    const body = `${events(type, 3)
      .map((e) => JSON.stringify(e))
      .join('\n')}\n\n`;
    const res = await post(body, 'application/x-ndjson');
    expect(res.status).toBe(204);
    expect(await storedCount(type)).toBe(3);
  });

  it('gzip-encoded JSON batch and NDJSON', async () => {
    const type = await freshType();
    const batch = gzipSync(Buffer.from(JSON.stringify(events(type, 4))));
    expect(
      (await post(batch, 'application/cloudevents-batch+json', { 'content-encoding': 'gzip' }))
        .status,
    ).toBe(204);
    const nd = gzipSync(
      Buffer.from(
        events(type, 2)
          .map((e) => JSON.stringify(e))
          .join('\n'),
      ),
    );
    expect((await post(nd, 'application/x-ndjson', { 'content-encoding': 'gzip' })).status).toBe(
      204,
    );
    expect(await storedCount(type)).toBe(6);
  });

  it('Prefer: return=representation answers 200 with the summary', async () => {
    const type = await freshType();
    const res = await post(JSON.stringify(events(type, 2)), 'application/json', {
      prefer: 'return=representation',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
  });
});

describe('bad events', () => {
  it('a batch with bad events stores the good ones and lists every rejected index, id and reason', async () => {
    const type = await freshType();
    const good = events(type, 3);
    const batch: unknown[] = [
      good[0],
      { ...testEvent(type, 's', T0, {}), subject: undefined, id: 'no-subject' },
      good[1],
      { ...testEvent(type, 's', T0, {}), id: 'bad-time', time: 'yesterday' },
      'not an object',
      { ...testEvent(type, 's', T0, {}), id: 'bad-data', data: [1, 2] },
      good[2],
    ];
    const res = await post(JSON.stringify(batch), 'application/cloudevents-batch+json');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Problem;
    expect(problem.title).toBe('Bad Request');
    expect(problem.extensions?.accepted).toBe(3);
    const rejected = problem.extensions?.rejected ?? [];
    expect(rejected.map((r) => [r.index, r.id])).toEqual([
      [1, 'no-subject'],
      [3, 'bad-time'],
      [4, null],
      [5, 'bad-data'],
    ]);
    // Each reason names the field that is wrong.
    expect(rejected[0]?.reason).toMatch(/subject/);
    expect(rejected[1]?.reason).toMatch(/time/);
    expect(rejected[3]?.reason).toMatch(/data/);
    expect(problem.detail).toMatch(/4 of 7 events rejected/);
    expect(await storedCount(type)).toBe(3);
  });

  it('an NDJSON line that is not JSON is rejected alone', async () => {
    const type = await freshType();
    const [a, b] = events(type, 2);
    const res = await post(
      `${JSON.stringify(a)}\n{not json\n${JSON.stringify(b)}\n`,
      'application/x-ndjson',
    );
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.extensions?.rejected).toEqual([
      { index: 1, id: null, reason: expect.stringMatching(/not valid JSON/) },
    ]);
    expect(await storedCount(type)).toBe(2);
  });

  it('one bad single event is a 400 that names the fields', async () => {
    const res = await post(JSON.stringify({ id: 'x' }), 'application/cloudevents+json');
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    const text = JSON.stringify(problem);
    expect(text).toMatch(/type/);
    expect(text).toMatch(/subject/);
    expect(text).toMatch(/source/);
  });

  it('a body that is not JSON is a 400, not a 500', async () => {
    const res = await post('{"id":', 'application/json');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('duplicates', () => {
  it('an event sent again, in the same batch or a later one, counts once', async () => {
    const type = await freshType();
    const [a, b, c] = events(type, 3);
    const first = await post(JSON.stringify([a, b, a]), 'application/json', {
      prefer: 'return=representation',
    });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ accepted: 2, duplicates: 1 });
    const second = await post(JSON.stringify([b, c]), 'application/json', {
      prefer: 'return=representation',
    });
    expect(await second.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    // A plain resend of a batch of known events is still a success (204): the client may retry.
    expect((await post(JSON.stringify([a, b, c]), 'application/json')).status).toBe(204);
    expect(await storedCount(type)).toBe(3);
  });

  it('the same id from another source is another event', async () => {
    const type = await freshType();
    const a = testEvent(type, 's', T0, {}, 'shared-id');
    const b = { ...a, source: 'other-source' };
    expect((await post(JSON.stringify([a, b]), 'application/json')).status).toBe(204);
    expect(await storedCount(type)).toBe(2);
  });
});

describe('refusals', () => {
  it('an unknown content type is a 400 problem naming Content-Type', async () => {
    const res = await post('hello', 'text/plain');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.stringify(await res.json())).toMatch(/Content-Type/);
  });

  it('an unsupported Content-Encoding is a 400', async () => {
    const res = await post('{}', 'application/json', { 'content-encoding': 'br' });
    expect(res.status).toBe(400);
  });

  it('an empty batch is a 400', async () => {
    const res = await post('[]', 'application/cloudevents-batch+json');
    expect(res.status).toBe(400);
  });
});

describe('limits', () => {
  let limited: TestServer;
  let acct: TestAccount;

  beforeAll(async () => {
    // A body limit of 4 KiB, and a bucket of 3 requests that refills once in ~1000 s, so the
    // fourth request is refused whatever the machine's speed.
    limited = await startTestServer({
      env: {
        TALLY_MAX_BODY_BYTES: '4096',
        TALLY_RATE_LIMIT_RPS: '0.001',
        TALLY_RATE_LIMIT_BURST: '3',
      },
    });
    acct = await limited.createAccount('limits');
  });

  afterAll(async () => {
    await limited.stop();
  });

  it('a body over the limit is a 413 problem', async () => {
    const key = (await acct.createKey('ingest')).key;
    const big = events('big', 60);
    const body = JSON.stringify(big);
    expect(body.length).toBeGreaterThan(4096);
    const res = await limited.request('/api/v1/events', jsonInit(key, 'POST', big));
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as Problem).title).toBe('Payload Too Large');
  });

  it('a chunked body (no Content-Length) over the limit is a 413 too', async () => {
    const key = (await acct.createKey('ingest')).key;
    const bytes = new TextEncoder().encode(JSON.stringify(events('big', 60)));
    expect(bytes.length).toBeGreaterThan(4096);
    // A stream body makes fetch send Transfer-Encoding: chunked, so only the bytes tell the size.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 3000));
        controller.enqueue(bytes.slice(3000));
        controller.close();
      },
    });
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    };
    const res = await fetch(`${limited.url}/api/v1/events`, init);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('a small gzip body that inflates past the limit is a 413 (no gzip bomb)', async () => {
    const key = (await acct.createKey('ingest')).key;
    const inflated = Buffer.from(JSON.stringify(events('big', 60)));
    const gz = gzipSync(inflated);
    expect(gz.length).toBeLessThan(4096);
    expect(inflated.length).toBeGreaterThan(4096);
    const res = await limited.request('/api/v1/events', {
      key,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gz,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('past the burst a key gets 429 with Retry-After; another key is unaffected', async () => {
    const key = (await acct.createKey('ingest')).key;
    const send = () =>
      limited.request('/api/v1/events', jsonInit(key, 'POST', [testEvent('rl', 's', T0, {})]));
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(204);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as Problem).status).toBe(429);

    const other = (await acct.createKey('ingest')).key;
    const res = await limited.request(
      '/api/v1/events',
      jsonInit(other, 'POST', [testEvent('rl', 's', T0, {})]),
    );
    expect(res.status).toBe(204);
  });
});
