// Tenancy and key rights over HTTP: two accounts with the same meter slug and even the same event
// identities never see each other through any route, and each key kind is refused where it has
// no right. Expected values are sums over the events each account sent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/hash.js';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestEvent,
  type TestServer,
  testEvent,
} from '../support/test-server.js';

const RANGE = 'from=2024-02-01T00:00:00Z&to=2024-03-01T00:00:00Z';
const RANGE_BODY = { from: '2024-02-01T00:00:00Z', to: '2024-03-01T00:00:00Z' };

let server: TestServer;
let a: TestAccount;
let b: TestAccount;

// Account A: two subjects, regions eu/us. Account B: one subject, region apac, and one event with
// the very same (source, id) as one of A's: identities are per account, so both count.
const eventsA: TestEvent[] = [
  testEvent('use', 'alice-1', '2024-02-02T10:00:00Z', { n: 3, region: 'eu' }, 'shared-1'),
  testEvent('use', 'alice-1', '2024-02-03T10:00:00Z', { n: 4, region: 'us' }),
  testEvent('use', 'alice-2', '2024-02-04T10:00:00Z', { n: 5, region: 'us' }),
];
const eventsB: TestEvent[] = [
  testEvent('use', 'bob-1', '2024-02-02T10:00:00Z', { n: 100, region: 'apac' }, 'shared-1'),
  testEvent('use', 'bob-1', '2024-02-05T10:00:00Z', { n: 200, region: 'apac' }),
];
const sumOf = (events: TestEvent[]) => events.reduce((s, e) => s + Number(e.data.n), 0);

interface Row {
  value: number;
  subject: string | null;
  groupBy: Record<string, string | null>;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function createMeter(acct: TestAccount, body: Record<string, unknown>) {
  return json<{ id: string }>(
    await server.request('/api/v1/meters', jsonInit(acct.secretKey, 'POST', body)),
    201,
  );
}

let meterIdA = '';

beforeAll(async () => {
  server = await startTestServer();
  a = await server.createAccount('tenant-a');
  b = await server.createAccount('tenant-b');
  const usage = {
    slug: 'usage',
    eventType: 'use',
    aggregation: 'SUM',
    valueProperty: '$.n',
    groupBy: { region: '$.region' },
  };
  meterIdA = (await createMeter(a, usage)).id;
  await createMeter(b, usage);
  await createMeter(a, { slug: 'a_only', eventType: 'use', aggregation: 'COUNT' });
  await createMeter(a, {
    slug: 'a_public',
    eventType: 'use',
    aggregation: 'COUNT',
    metadata: { public: 'true' },
  });
  for (const [acct, events] of [
    [a, eventsA],
    [b, eventsB],
  ] as const) {
    const res = await server.request('/api/v1/events', jsonInit(acct.secretKey, 'POST', events));
    expect(res.status).toBe(204);
  }
});

afterAll(async () => {
  await server.stop();
});

describe('two accounts never see each other', () => {
  const get = (key: string, path: string) => server.request(path, { key });

  it('events list', async () => {
    const listed = await json<{ event: { id: string; subject: string } }[]>(
      await get(b.secretKey, `/api/v1/events?${RANGE}`),
    );
    expect(listed.map((e) => e.event.subject).sort()).toEqual(['bob-1', 'bob-1']);
    // Searching for A's subject from B finds nothing.
    expect(await json(await get(b.secretKey, `/api/v1/events?${RANGE}&subject=alice`))).toEqual([]);
  });

  it('meters list and get (by slug and by the other account\u2019s id)', async () => {
    const mine = await json<{ slug: string }[]>(await get(b.secretKey, '/api/v1/meters'));
    expect(mine.map((m) => m.slug)).toEqual(['usage']);
    expect((await get(b.secretKey, '/api/v1/meters/a_only')).status).toBe(404);
    expect((await get(b.secretKey, `/api/v1/meters/${meterIdA}`)).status).toBe(404);
  });

  it('meter writes do not reach the other account', async () => {
    const put = await server.request(
      '/api/v1/meters/a_only',
      jsonInit(b.secretKey, 'PUT', { name: 'hijacked' }),
    );
    expect(put.status).toBe(404);
    const del = await server.request('/api/v1/meters/a_only', {
      key: b.secretKey,
      method: 'DELETE',
    });
    expect(del.status).toBe(404);
    const still = await json<{ name: string }>(await get(a.secretKey, '/api/v1/meters/a_only'));
    expect(still.name).toBe('a_only');
  });

  it('query GET and POST on the same slug give each account its own numbers', async () => {
    for (const [acct, events] of [
      [a, eventsA],
      [b, eventsB],
    ] as const) {
      const viaGet = await json<{ data: Row[] }>(
        await get(acct.secretKey, `/api/v1/meters/usage/query?${RANGE}`),
      );
      expect(viaGet.data.map((r) => r.value)).toEqual([sumOf(events)]);
      const viaPost = await json<{ data: Row[] }>(
        await server.request(
          '/api/v1/meters/usage/query',
          jsonInit(acct.secretKey, 'POST', { ...RANGE_BODY, groupBy: ['subject'] }),
        ),
      );
      const want: Record<string, number> = {};
      for (const e of events) want[e.subject] = (want[e.subject] ?? 0) + Number(e.data.n);
      expect(Object.fromEntries(viaPost.data.map((r) => [r.subject, r.value]))).toEqual(want);
    }
    expect((await get(b.secretKey, `/api/v1/meters/a_only/query?${RANGE}`)).status).toBe(404);
    // Filtering on A's subject from B: nothing.
    const spy = await json<{ data: Row[] }>(
      await get(b.secretKey, `/api/v1/meters/usage/query?${RANGE}&subject=alice-1`),
    );
    expect(spy.data.reduce((s, r) => s + r.value, 0)).toBe(0);
  });

  it('subjects and group-by values', async () => {
    expect(await json(await get(b.secretKey, `/api/v1/meters/usage/subjects?${RANGE}`))).toEqual([
      'bob-1',
    ]);
    expect(
      await json(await get(b.secretKey, `/api/v1/meters/usage/group-by/region/values?${RANGE}`)),
    ).toEqual(['apac']);
    // The other account's meter does not exist here.
    expect((await get(b.secretKey, `/api/v1/meters/a_only/subjects?${RANGE}`)).status).toBe(404);
    expect(
      (await get(b.secretKey, `/api/v1/meters/a_only/group-by/region/values?${RANGE}`)).status,
    ).toBe(404);
    expect((await get(b.secretKey, `/api/v1/portal/meters/a_only/query?${RANGE}`)).status).toBe(
      403,
    );
    const regionsA = await json<string[]>(
      await get(a.secretKey, `/api/v1/meters/usage/group-by/region/values?${RANGE}`),
    );
    expect(regionsA.sort()).toEqual(['eu', 'us']);
    const subjectsA = await json<string[]>(
      await get(a.secretKey, `/api/v1/meters/usage/subjects?${RANGE}`),
    );
    expect(subjectsA.sort()).toEqual(['alice-1', 'alice-2']);
  });

  it('portal: a key of B bound to a subject name of A sees nothing of A', async () => {
    const { key } = await b.createKey('publishable', 'alice-1');
    const res = await json<{ data: Row[] }>(
      await get(key, `/api/v1/portal/meters/usage/query?${RANGE}`),
    );
    expect(res.data.reduce((s, r) => s + r.value, 0)).toBe(0);
    const own = await b.createKey('publishable', 'bob-1');
    const mine = await json<{ data: Row[] }>(
      await get(own.key, `/api/v1/portal/meters/usage/query?${RANGE}`),
    );
    expect(mine.data.map((r) => r.value)).toEqual([sumOf(eventsB)]);
  });

  it('me names the key\u2019s own account', async () => {
    const me = await json<{ accountId: string; accountName: string; keyKind: string }>(
      await get(b.secretKey, '/api/v1/me'),
    );
    expect(me).toMatchObject({ accountId: b.id, accountName: 'tenant-b', keyKind: 'secret' });
  });

  it('admin: keys are listed per account and cannot be revoked through another account', async () => {
    const keysA = await json<{ id: string; accountId: string; kind: string }[]>(
      await server.request(`/admin/v1/accounts/${a.id}/keys`, { key: server.adminToken }),
    );
    expect(keysA.length).toBeGreaterThan(0);
    expect(new Set(keysA.map((k) => k.accountId))).toEqual(new Set([a.id]));
    // The listing never shows the keys themselves.
    expect(JSON.stringify(keysA)).not.toContain(a.secretKey);
    const keysB = await json<{ id: string }[]>(
      await server.request(`/admin/v1/accounts/${b.id}/keys`, { key: server.adminToken }),
    );
    expect(keysB.some((k) => keysA.some((ka) => ka.id === k.id))).toBe(false);
    const secretA = keysA.find((k) => k.kind === 'secret');
    const wrong = await server.request(`/admin/v1/accounts/${b.id}/keys/${secretA?.id}`, {
      key: server.adminToken,
      method: 'DELETE',
    });
    expect(wrong.status).toBe(404);
    expect((await get(a.secretKey, '/api/v1/me')).status).toBe(200);
  });
});

describe('each key kind is refused where it has no right', () => {
  const q = `/api/v1/meters/usage/query?${RANGE}`;

  it('ingest key: sends events, reads and manages nothing', async () => {
    const { key } = await a.createKey('ingest');
    const ok = await server.request(
      '/api/v1/events',
      jsonInit(key, 'POST', [testEvent('other', 'alice-1', '2024-02-10T00:00:00Z', {})]),
    );
    expect(ok.status).toBe(204);
    const refused: [string, RequestInit][] = [
      ['/api/v1/meters', {}],
      ['/api/v1/meters/usage', {}],
      [q, {}],
      [
        '/api/v1/meters/usage/query',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      ],
      [`/api/v1/meters/usage/subjects?${RANGE}`, {}],
      [`/api/v1/meters/usage/group-by/region/values?${RANGE}`, {}],
      [`/api/v1/events?${RANGE}`, {}],
      [`/api/v1/portal/meters/usage/query?${RANGE}`, {}],
      [
        '/api/v1/meters',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ slug: 'x', eventType: 'x', aggregation: 'COUNT' }),
        },
      ],
      [
        '/api/v1/meters/usage',
        { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' },
      ],
      ['/api/v1/meters/usage', { method: 'DELETE' }],
    ];
    for (const [path, init] of refused) {
      const res = await server.request(path, { ...init, key });
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    const me = await json<{ keyKind: string }>(await server.request('/api/v1/me', { key }));
    expect(me.keyKind).toBe('ingest');
  });

  it('unbound publishable key: reads public meters only, writes nothing', async () => {
    const { key } = await a.createKey('publishable');
    const writes: [string, RequestInit][] = [
      [
        '/api/v1/events',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([testEvent('use', 'alice-1', '2024-02-10T00:00:00Z', { n: 1 })]),
        },
      ],
      [
        '/api/v1/meters',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ slug: 'x', eventType: 'x', aggregation: 'COUNT' }),
        },
      ],
      [
        '/api/v1/meters/a_public',
        { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' },
      ],
      ['/api/v1/meters/a_public', { method: 'DELETE' }],
      [`/api/v1/events?${RANGE}`, {}],
      // Not public:
      ['/api/v1/meters/usage', {}],
      [q, {}],
      [
        '/api/v1/meters/usage/query',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      ],
      // The portal needs a subject-bound key.
      [`/api/v1/portal/meters/a_public/query?${RANGE}`, {}],
    ];
    for (const [path, init] of writes) {
      const res = await server.request(path, { ...init, key });
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(403);
    }
    const listed = await json<{ slug: string }[]>(await server.request('/api/v1/meters', { key }));
    expect(listed.map((m) => m.slug)).toEqual(['a_public']);
    const pub = await json<{ data: Row[] }>(
      await server.request(`/api/v1/meters/a_public/query?${RANGE}`, { key }),
    );
    expect(pub.data.map((r) => r.value)).toEqual([eventsA.length]);
  });

  it('subject-bound publishable key: sees only its subject in query, subjects and values', async () => {
    const { key } = await a.createKey('publishable', 'alice-2');
    const alice2 = eventsA.filter((e) => e.subject === 'alice-2');
    const total = await json<{ data: Row[] }>(await server.request(q, { key }));
    expect(total.data.map((r) => r.value)).toEqual([sumOf(alice2)]);
    // Asking for another subject, or grouping by subject, reveals nothing more.
    const asked = await json<{ data: Row[] }>(
      await server.request(`${q}&subject=alice-1&groupBy=subject`, { key }),
    );
    expect(asked.data.filter((r) => r.subject === 'alice-1' && r.value !== 0)).toEqual([]);
    const grouped = await json<{ data: Row[] }>(
      await server.request(
        '/api/v1/meters/usage/query',
        jsonInit(key, 'POST', { ...RANGE_BODY, groupBy: ['subject', 'region'] }),
      ),
    );
    expect(grouped.data.map((r) => [r.subject, r.groupBy.region, r.value])).toEqual([
      ['alice-2', 'us', 5],
    ]);
    expect(
      await json(await server.request(`/api/v1/meters/usage/subjects?${RANGE}`, { key })),
    ).toEqual(['alice-2']);
    // alice-1 has region eu; alice-2 only us.
    expect(
      await json(
        await server.request(`/api/v1/meters/usage/group-by/region/values?${RANGE}`, { key }),
      ),
    ).toEqual(['us']);
    const portal = await json<{ data: Row[] }>(
      await server.request(`/api/v1/portal/meters/usage/query?${RANGE}&groupBy=subject`, { key }),
    );
    expect(portal.data.map((r) => [r.subject, r.value])).toEqual([['alice-2', 5]]);
    // It still cannot write.
    const write = await server.request(
      '/api/v1/events',
      jsonInit(key, 'POST', [testEvent('use', 'alice-2', '2024-02-10T00:00:00Z', { n: 1 })]),
    );
    expect(write.status).toBe(403);
    const me = await json<{ keyKind: string; subject: string }>(
      await server.request('/api/v1/me', { key }),
    );
    expect(me).toMatchObject({ keyKind: 'publishable', subject: 'alice-2' });
  });

  it('a revoked key is 401 everywhere', async () => {
    const created = await a.createKey('secret');
    expect((await server.request('/api/v1/me', { key: created.key })).status).toBe(200);
    const revoke = await server.request(`/admin/v1/accounts/${a.id}/keys/${created.id}`, {
      key: server.adminToken,
      method: 'DELETE',
    });
    expect(revoke.status).toBe(204);
    for (const path of ['/api/v1/me', '/api/v1/meters', q]) {
      const res = await server.request(path, { key: created.key });
      expect(res.status, path).toBe(401);
    }
    const listed = await json<{ id: string; revokedAt: string | null }[]>(
      await server.request(`/admin/v1/accounts/${a.id}/keys`, { key: server.adminToken }),
    );
    expect(listed.find((k) => k.id === created.id)?.revokedAt).toEqual(expect.any(String));
  });

  it('missing and malformed keys are 401', async () => {
    expect((await server.request('/api/v1/meters')).status).toBe(401);
    expect((await server.request('/api/v1/meters', { key: 'tly_nonsense' })).status).toBe(401);
    // The admin token is not an API key.
    expect((await server.request('/api/v1/meters', { key: server.adminToken })).status).toBe(401);
  });

  it('admin routes need the admin token', async () => {
    const routes: [string, string][] = [
      ['GET', '/admin/v1/accounts'],
      ['POST', '/admin/v1/accounts'],
      ['GET', `/admin/v1/accounts/${a.id}/keys`],
      ['POST', `/admin/v1/accounts/${a.id}/keys`],
      ['DELETE', `/admin/v1/accounts/${a.id}/keys/whatever`],
    ];
    for (const [method, path] of routes) {
      for (const key of [undefined, a.secretKey, `${server.adminToken}x`]) {
        const res = await server.request(path, {
          method,
          ...(key !== undefined ? { key } : {}),
          headers: { 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: JSON.stringify({ name: 'x', kind: 'secret' }) } : {}),
        });
        expect(res.status, `${method} ${path} with ${key ? 'a wrong key' : 'no key'}`).toBe(401);
      }
    }
    const accounts = await json<{ id: string }[]>(
      await server.request('/admin/v1/accounts', { key: server.adminToken }),
    );
    expect(accounts.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
  });
});

describe('CORS for publishable keys', () => {
  it('answers the preflight of a browser query', async () => {
    const res = await server.request('/api/v1/meters/x/query', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://portal.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'authorization',
    );
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('marks real responses readable cross-origin, errors included', async () => {
    const { key } = await a.createKey('publishable', 'alice-1');
    const ok = await server.request(`/api/v1/portal/meters/usage/query?${RANGE}`, {
      key,
      headers: { origin: 'https://portal.example.com' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    // A browser may read Retry-After on a 429.
    expect(ok.headers.get('access-control-expose-headers')).toContain('Retry-After');
    const denied = await server.request('/api/v1/meters/usage/query', {
      headers: { origin: 'https://portal.example.com' },
    });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('publishable keys never list names on private meters', () => {
  it('an unbound publishable key gets 403 on subjects and values of a private meter', async () => {
    const { key } = await a.createKey('publishable');
    for (const path of [
      `/api/v1/meters/usage/subjects?${RANGE}`,
      `/api/v1/meters/usage/group-by/region/values?${RANGE}`,
      `/api/v1/meters/${meterIdA}/subjects?${RANGE}`,
    ]) {
      const res = await server.request(path, { key });
      const text = await res.text();
      expect(res.status, path).toBe(403);
      for (const name of ['alice-1', 'alice-2', 'eu', '"us"']) expect(text).not.toContain(name);
    }
    // A public meter's names are public, as its numbers are.
    const subjects = await json<string[]>(
      await server.request(`/api/v1/meters/a_public/subjects?${RANGE}`, { key }),
    );
    expect(subjects.sort()).toEqual(['alice-1', 'alice-2']);
  });

  it('a subject-bound publishable key lists only its own subject on a private meter', async () => {
    const { key } = await a.createKey('publishable', 'alice-1');
    expect(
      await json(await server.request(`/api/v1/meters/usage/subjects?${RANGE}`, { key })),
    ).toEqual(['alice-1']);
    const regions = await json<string[]>(
      await server.request(`/api/v1/meters/usage/group-by/region/values?${RANGE}`, { key }),
    );
    expect(regions.sort()).toEqual(['eu', 'us']);
  });
});

describe('subject and group-by value ranges are validated', () => {
  it('answers 400, not 500, for unreadable or out-of-range instants', async () => {
    for (const path of [
      '/api/v1/meters/usage/subjects?from=garbage',
      '/api/v1/meters/usage/subjects?to=9999999999999999',
      '/api/v1/meters/usage/group-by/region/values?from=garbage',
      '/api/v1/meters/usage/group-by/region/values?to=last%20tuesday',
      `/api/v1/meters/usage/subjects?from=2024-03-01T00:00:00Z&to=2024-02-01T00:00:00Z`,
    ]) {
      const res = await server.request(path, { key: a.secretKey });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('what binding a subject means for each key kind', () => {
  const createKey = (accountId: string, body: unknown) =>
    server.request(`/admin/v1/accounts/${accountId}/keys`, {
      ...jsonInit(server.adminToken, 'POST', body),
    });

  it('the admin API refuses a subject on a secret key with 400 and says what to use', async () => {
    const res = await createKey(a.id, { kind: 'secret', subject: 'alice-1' });
    const problem = await json<{ detail: string }>(res, 400);
    expect(problem.detail).toContain('subject');
    expect(problem.detail).toContain('publishable');
    const listed = await json<{ kind: string; subject: string | null }[]>(
      await server.request(`/admin/v1/accounts/${a.id}/keys`, { key: server.adminToken }),
    );
    expect(listed.filter((k) => k.kind === 'secret' && k.subject !== null)).toEqual([]);
    // Ingest and publishable keys may be bound.
    expect((await createKey(a.id, { kind: 'ingest', subject: 'alice-1' })).status).toBe(201);
    expect((await createKey(a.id, { kind: 'publishable', subject: 'alice-1' })).status).toBe(201);
  });

  it('documents the meaning of subject per kind in the OpenAPI description', async () => {
    const doc = await json<{ components: { schemas: Record<string, unknown> } }>(
      await server.request('/openapi.json'),
    );
    const text = JSON.stringify(doc.components.schemas.KeyCreate);
    for (const word of ['ingest:', 'publishable:', 'secret:']) expect(text).toContain(word);
  });

  it('a subject-bound secret key made by an older version is refused everywhere with 403', async () => {
    // Older versions stored such keys; no route can make one now, so it goes in through the store.
    const raw = 'sk_legacy-bound-secret-key-0123456789';
    await server.services.store.putKey({
      id: 'legacy-bound-secret',
      accountId: a.id,
      kind: 'secret',
      subject: 'alice-2',
      hash: sha256Hex(raw),
      prefix: raw.slice(0, 7),
      createdAt: new Date().toISOString(),
    });
    await server.services.enableProfiles(a.id, ['livepeer']);
    for (const path of [
      '/api/v1/me',
      `/api/v1/events?${RANGE}`,
      '/api/v1/meters',
      `/api/v1/meters/usage/query?${RANGE}`,
      `/api/v1/meters/usage/subjects?${RANGE}`,
      `/api/v1/portal/meters/usage/query?${RANGE}`,
    ]) {
      const res = await server.request(path, { key: raw });
      const text = await res.text();
      expect(res.status, path).toBe(403);
      expect(text).toContain('re-issue');
      expect(text).not.toContain('alice-1');
    }
    const ingest = await server.request(
      '/api/v1/events',
      jsonInit(raw, 'POST', [testEvent('use', 'alice-2', '2024-02-10T00:00:00Z', { n: 1 })]),
    );
    expect(ingest.status).toBe(403);
    // The Livepeer-compatible usage totals, which ignored the binding, refuse it too.
    const lp = await server.request('/compat/livepeer/api/data/usage/query', { key: raw });
    expect(lp.status).toBe(403);
    expect(((await lp.json()) as { errors: string[] }).errors.join(' ')).toContain('re-issue');
  });
});
