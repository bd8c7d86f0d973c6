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

describe('values no meter can count', () => {
  interface ValueProblem {
    index: number;
    id: string;
    meter: string;
    field: string;
    reason: string;
    message: string;
  }
  interface Listed {
    event: { id: string; data: Record<string, unknown> | null };
    validationError?: string;
    validationErrors?: { meter: string; field: string; reason: string; message: string }[];
  }

  let type = '';
  beforeAll(async () => {
    typeCounter += 1;
    type = `values_t${typeCounter}`;
    for (const meter of [
      { slug: `${type}_sum`, eventType: type, aggregation: 'SUM', valueProperty: '$.tokens' },
      {
        slug: `${type}_uniq`,
        eventType: type,
        aggregation: 'UNIQUE_COUNT',
        valueProperty: '$.user',
      },
      { slug: `${type}_n`, eventType: type, aggregation: 'COUNT' },
    ]) {
      const res = await server.request(
        '/api/v1/meters',
        jsonInit(account.secretKey, 'POST', meter),
      );
      expect(res.status).toBe(201);
    }
  });

  async function total(slug: string): Promise<number> {
    const res = await server.request(
      `/api/v1/meters/${slug}/query?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z`,
      { key: account.secretKey },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { value: number | null }[] };
    return body.data.reduce((sum, row) => sum + (row.value ?? 0), 0);
  }

  async function problemMetric(reason: string, meter: string): Promise<number> {
    const text = await (await server.request('/metrics')).text();
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(`tally_ingest_value_problems_total{reason="${reason}",meter="${meter}"}`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('"tokens":"lots" is stored, not counted, and reported: summary, header, event list, metrics', async () => {
    const sum = `${type}_sum`;
    const uniq = `${type}_uniq`;
    const before = {
      notANumber: await problemMetric('not_a_number', sum),
      nonFinite: await problemMetric('non_finite', sum),
      missing: await problemMetric('missing', sum),
      tooLarge: await problemMetric('too_large', sum),
      scalar: await problemMetric('not_a_scalar', uniq),
    };
    const batch = [
      testEvent(type, 's', T0, { tokens: 5, user: 'u1' }, `${type}-ok`),
      testEvent(type, 's', T0, { tokens: 'lots', user: 'u2' }, `${type}-lots`),
      testEvent(type, 's', T0, { tokens: '1e400', user: 'u3' }, `${type}-inf`),
      testEvent(type, 's', T0, { user: { name: 'u4' } }, `${type}-missing`),
      testEvent(type, 's', T0, { tokens: 2 ** 60, user: 'u5' }, `${type}-large`),
      testEvent(type, 's', T0, { tokens: -2, user: 'u6' }, `${type}-credit`),
      testEvent(type, 's', T0, { tokens: '7', user: 'u7' }, `${type}-string`),
    ];
    const res = await post(JSON.stringify(batch), 'application/json', {
      prefer: 'return=representation',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('tally-value-problems')).toBe('5');
    const summary = (await res.json()) as { accepted: number; problems: ValueProblem[] };
    expect(summary.accepted).toBe(7);
    expect(summary.problems.map((p) => [p.index, p.id, p.meter, p.reason])).toEqual([
      [1, `${type}-lots`, sum, 'not_a_number'],
      [2, `${type}-inf`, sum, 'non_finite'],
      [3, `${type}-missing`, sum, 'missing'],
      [3, `${type}-missing`, uniq, 'not_a_scalar'],
      [4, `${type}-large`, sum, 'too_large'],
    ]);
    expect(summary.problems[0]?.field).toBe('$.tokens');
    expect(summary.problems[0]?.message).toMatch(/\$\.tokens is not a number/);

    // Negative values count (credits); numeric strings count; unusable values do not.
    expect(await total(sum)).toBe(5 - 2 + 7);
    expect(await total(`${type}_n`)).toBe(7);
    expect(await total(uniq)).toBe(6);

    const listed = await server.request(
      `/api/v1/events?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&id=${type}-&limit=100`,
      { key: account.secretKey },
    );
    expect(listed.status).toBe(200);
    const byId = new Map(((await listed.json()) as Listed[]).map((e) => [e.event.id, e]));
    expect(byId.size).toBe(7);
    for (const id of ['ok', 'credit', 'string']) {
      const e = byId.get(`${type}-${id}`);
      expect(e?.validationErrors).toBeUndefined();
      expect(e?.validationError).toBeUndefined();
    }
    expect(byId.get(`${type}-lots`)?.validationErrors).toEqual([
      {
        meter: sum,
        field: '$.tokens',
        reason: 'not_a_number',
        message: expect.stringMatching(/not a number/),
      },
    ]);
    expect(byId.get(`${type}-lots`)?.validationError).toMatch(new RegExp(`meter ${sum}`));
    expect(byId.get(`${type}-missing`)?.validationErrors?.map((p) => p.reason)).toEqual([
      'missing',
      'not_a_scalar',
    ]);

    expect(await problemMetric('not_a_number', sum)).toBe(before.notANumber + 1);
    expect(await problemMetric('non_finite', sum)).toBe(before.nonFinite + 1);
    expect(await problemMetric('missing', sum)).toBe(before.missing + 1);
    expect(await problemMetric('too_large', sum)).toBe(before.tooLarge + 1);
    expect(await problemMetric('not_a_scalar', uniq)).toBe(before.scalar + 1);

    // A resend is a duplicate: reported again to the sender, not counted again in the metric.
    const again = await post(JSON.stringify([batch[1]]), 'application/json');
    expect(again.status).toBe(204);
    expect(again.headers.get('tally-value-problems')).toBe('1');
    expect(await problemMetric('not_a_number', sum)).toBe(before.notANumber + 1);
  });

  it('the plain 204 carries the problem count; a clean batch has no header', async () => {
    const bad = await post(
      JSON.stringify([testEvent(type, 's', T0, { tokens: 'lots', user: 'x' })]),
      'application/json',
    );
    expect(bad.status).toBe(204);
    expect(bad.headers.get('tally-value-problems')).toBe('1');
    const good = await post(
      JSON.stringify([testEvent(type, 's', T0, { tokens: 1, user: 'x' })]),
      'application/json',
    );
    expect(good.status).toBe(204);
    expect(good.headers.get('tally-value-problems')).toBeNull();
  });

  it('a 400 for rejected events lists the value problems of the stored ones too', async () => {
    const res = await post(
      JSON.stringify([
        { id: 'no-subject', source: 's', type },
        testEvent(type, 's', T0, { tokens: 'lots', user: 'x' }, `${type}-in-400`),
      ]),
      'application/json',
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('tally-value-problems')).toBe('1');
    const problem = (await res.json()) as Problem & { extensions: { problems: ValueProblem[] } };
    expect(problem.extensions.problems.map((p) => [p.index, p.id, p.reason])).toEqual([
      [1, `${type}-in-400`, 'not_a_number'],
    ]);
  });
});

describe('ingest keys bound to a subject', () => {
  it('write only their subject: other subjects are rejected alone, by index', async () => {
    const type = await freshType();
    const bound = (await account.createKey('ingest', 'acme')).key;
    const batch = [
      testEvent(type, 'acme', T0, {}),
      testEvent(type, 'globex', T0, {}, `${type}-globex`),
      testEvent(type, 'acme', T0, {}),
    ];
    const res = await server.request('/api/v1/events', jsonInit(bound, 'POST', batch));
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.extensions?.accepted).toBe(2);
    expect(problem.extensions?.rejected).toEqual([
      { index: 1, id: `${type}-globex`, reason: expect.stringMatching(/bound to subject "acme"/) },
    ]);
    const bySubject = await server.request(
      `/api/v1/meters/${type}/query?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&groupBy=subject`,
      { key: account.secretKey },
    );
    const rows = ((await bySubject.json()) as { data: { subject: string; value: number }[] }).data;
    expect(rows.map((r) => [r.subject, r.value])).toEqual([['acme', 2]]);
  });

  it('an unbound ingest key still writes any subject', async () => {
    const type = await freshType();
    const key = (await account.createKey('ingest')).key;
    const batch = [testEvent(type, 'acme', T0, {}), testEvent(type, 'globex', T0, {})];
    expect((await server.request('/api/v1/events', jsonInit(key, 'POST', batch))).status).toBe(204);
    expect(await storedCount(type)).toBe(2);
  });
});
