// Customers through the HTTP API, the same cases on every store: CRUD in OpenMeter's shapes, usage
// filtered by customer (the union of its subjects) and grouped by customer_id for every
// aggregation, and a customer-bound publishable key. Expected numbers are computed from the events
// the test sends, never read back from the server first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonInit, type TestAccount, type TestServer } from '../support/test-server.js';

interface Sent {
  subject: string;
  time: number;
  user: string;
  ms: number;
}

const T0 = Date.parse('2025-04-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = new Date(T0).toISOString();
const TO = new Date(T0 + 2 * DAY).toISOString();
const RANGE = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;

// Customer acme: a1 and a2 (a3 added later); globex: g1; "loose" belongs to no customer.
// a1 and a2 share the user u2, so acme's distinct users are fewer than the sum of its subjects'.
const EVENTS: Sent[] = [
  { subject: 'a1', time: T0 + 1 * HOUR, user: 'u1', ms: 10 },
  { subject: 'a1', time: T0 + 2 * HOUR, user: 'u2', ms: 30 },
  { subject: 'a2', time: T0 + 3 * HOUR, user: 'u2', ms: 50 },
  { subject: 'a2', time: T0 + 26 * HOUR, user: 'u3', ms: 70 },
  { subject: 'a1', time: T0 + 27 * HOUR, user: 'u1', ms: 20 },
  { subject: 'g1', time: T0 + 4 * HOUR, user: 'u1', ms: 100 },
  { subject: 'g1', time: T0 + 28 * HOUR, user: 'u5', ms: 300 },
  { subject: 'loose', time: T0 + 5 * HOUR, user: 'u9', ms: 7 },
  { subject: 'a3', time: T0 + 6 * HOUR, user: 'u7', ms: 1 },
];

type Agg = 'COUNT' | 'UNIQUE_COUNT' | 'AVG' | 'LATEST' | 'SUM';

/** The reference: one aggregation over the events of some subjects. */
function reference(agg: Agg, events: Sent[]): number {
  if (agg === 'COUNT') return events.length;
  if (agg === 'UNIQUE_COUNT') return new Set(events.map((e) => e.user)).size;
  if (agg === 'SUM') return events.reduce((s, e) => s + e.ms, 0);
  if (agg === 'AVG') return events.reduce((s, e) => s + e.ms, 0) / events.length;
  const last = [...events].sort((a, b) => b.time - a.time)[0];
  return last?.ms ?? Number.NaN;
}

const of = (subjects: string[]) => EVENTS.filter((e) => subjects.includes(e.subject));

interface Row {
  value: number;
  windowStart: string;
  subject: string | null;
  customerId?: string | null;
  groupBy: Record<string, string | null>;
}

interface CustomerWire {
  id: string;
  key?: string;
  name: string;
  metadata?: Record<string, string>;
  usageAttribution: { subjectKeys: string[] };
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

const METERS: Record<string, { aggregation: Agg; valueProperty?: string }> = {
  calls: { aggregation: 'COUNT' },
  users: { aggregation: 'UNIQUE_COUNT', valueProperty: '$.user' },
  latency: { aggregation: 'AVG', valueProperty: '$.ms' },
  last_ms: { aggregation: 'LATEST', valueProperty: '$.ms' },
  total_ms: { aggregation: 'SUM', valueProperty: '$.ms' },
};

export function runCustomerCases(label: string, start: () => Promise<TestServer>): void {
  describe(`customers over HTTP: ${label}`, () => {
    let server: TestServer;
    let account: TestAccount;
    let key = '';
    let acme: CustomerWire;
    let globex: CustomerWire;

    const call = (path: string, method = 'GET', body?: unknown, k = key) =>
      body === undefined
        ? server.request(path, { key: k, method })
        : server.request(path, jsonInit(k, method, body));
    const json = async <T>(res: Response, status: number): Promise<T> => {
      expect(res.status, await res.clone().text()).toBe(status);
      return (await res.json()) as T;
    };
    const query = async (slug: string, params: string, k = key): Promise<Row[]> => {
      const res = await call(
        `/api/v1/meters/${slug}/query?${RANGE}&${params}`,
        'GET',
        undefined,
        k,
      );
      return (await json<{ data: Row[] }>(res, 200)).data;
    };
    /** Rows as {customerId|subject -> value}. */
    const byCustomer = (rows: Row[]) =>
      Object.fromEntries(rows.map((r) => [String(r.customerId), r.value]));

    beforeAll(async () => {
      server = await start();
      account = await server.createAccount('customers');
      key = account.secretKey;
      for (const [slug, m] of Object.entries(METERS)) {
        await json(await call('/api/v1/meters', 'POST', { slug, eventType: 'call', ...m }), 201);
      }
      const events = EVENTS.map((e, i) => ({
        id: `e${i}`,
        source: 'customers-test',
        specversion: '1.0',
        type: 'call',
        subject: e.subject,
        time: new Date(e.time).toISOString(),
        data: { user: e.user, ms: e.ms },
      }));
      const res = await call('/api/v1/events', 'POST', events);
      expect(res.status, await res.clone().text()).toBe(204);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
    });

    it('creates customers in OpenMeter shapes, and refuses a taken key or subject with 409', async () => {
      acme = await json<CustomerWire>(
        await call('/api/v1/customers', 'POST', {
          name: 'ACME',
          key: 'acme',
          metadata: { tier: 'gold' },
          usageAttribution: { subjectKeys: ['a1'] },
        }),
        201,
      );
      expect(acme).toMatchObject({
        name: 'ACME',
        key: 'acme',
        metadata: { tier: 'gold' },
        usageAttribution: { subjectKeys: ['a1'] },
      });
      expect(acme.id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
      expect(Date.parse(acme.createdAt)).not.toBeNaN();
      expect(acme.updatedAt).toBe(acme.createdAt);
      expect(acme.deletedAt).toBeUndefined();
      globex = await json<CustomerWire>(
        await call('/api/v1/customers', 'POST', {
          name: 'Globex',
          key: 'globex',
          usageAttribution: { subjectKeys: ['g1'] },
        }),
        201,
      );
      const taken = await call('/api/v1/customers', 'POST', { name: 'X', key: 'acme' });
      expect(taken.status).toBe(409);
      expect(taken.headers.get('content-type')).toContain('application/problem+json');
      const shared = await call('/api/v1/customers', 'POST', {
        name: 'X',
        usageAttribution: { subjectKeys: ['g1'] },
      });
      expect(shared.status).toBe(409);
      expect((await call('/api/v1/customers', 'POST', { key: 'nameless' })).status).toBe(400);
    });

    it('gets by id and by key, replaces (PUT), and lists in pages', async () => {
      expect((await json<CustomerWire>(await call(`/api/v1/customers/${acme.id}`), 200)).key).toBe(
        'acme',
      );
      expect((await json<CustomerWire>(await call('/api/v1/customers/globex'), 200)).id).toBe(
        globex.id,
      );
      expect((await call('/api/v1/customers/nobody')).status).toBe(404);
      const updated = await json<CustomerWire>(
        await call('/api/v1/customers/acme', 'PUT', {
          name: 'ACME Corp',
          key: 'acme',
          metadata: { tier: 'gold' },
          usageAttribution: { subjectKeys: ['a1', 'a2'] },
        }),
        200,
      );
      expect(updated).toMatchObject({ id: acme.id, name: 'ACME Corp', createdAt: acme.createdAt });
      expect(updated.usageAttribution.subjectKeys).toEqual(['a1', 'a2']);
      acme = updated;
      const page = await json<{
        totalCount: number;
        page: number;
        pageSize: number;
        items: CustomerWire[];
      }>(await call('/api/v1/customers?pageSize=1&page=2&orderBy=name'), 200);
      expect(page).toMatchObject({ totalCount: 2, page: 2, pageSize: 1 });
      expect(page.items.map((c) => c.key)).toEqual(['globex']);
      const bySubject = await json<{ items: CustomerWire[] }>(
        await call('/api/v1/customers?subject=A2'),
        200,
      );
      expect(bySubject.items.map((c) => c.key)).toEqual(['acme']);
    });

    it('filters usage by customer: the union of its subjects, intersected with a subject filter', async () => {
      for (const [slug, m] of Object.entries(METERS)) {
        const [row] = await query(slug, `filterCustomerId=${acme.id}`);
        expect(row?.value, slug).toBeCloseTo(reference(m.aggregation, of(['a1', 'a2'])), 9);
      }
      const [byKey] = await query('calls', 'filterCustomerId=acme');
      expect(byKey?.value).toBe(of(['a1', 'a2']).length);
      const [both] = await query('calls', `filterCustomerId=acme&filterCustomerId=${globex.id}`);
      expect(both?.value).toBe(of(['a1', 'a2', 'g1']).length);
      const [narrowed] = await query('calls', 'filterCustomerId=acme&subject=a2&subject=g1');
      expect(narrowed?.value).toBe(of(['a2']).length);
      // The POST body and the array-style name filter the same way.
      const posted = await json<{ data: Row[] }>(
        await call('/api/v1/meters/users/query', 'POST', {
          from: FROM,
          to: TO,
          filterCustomerId: ['globex'],
        }),
        200,
      );
      expect(posted.data[0]?.value).toBe(reference('UNIQUE_COUNT', of(['g1'])));
      const [arrayStyle] = await query('calls', 'filterCustomerId%5B%5D=globex');
      expect(arrayStyle?.value).toBe(of(['g1']).length);
      const unknown = await call(`/api/v1/meters/calls/query?${RANGE}&filterCustomerId=nobody`);
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toContain('nobody');
    });

    it('groups by customer_id exactly for every aggregation; subjects of no customer form the null group', async () => {
      for (const [slug, m] of Object.entries(METERS)) {
        const rows = await query(slug, 'groupBy=customer_id');
        expect(byCustomer(rows), slug).toEqual({
          [acme.id]: expect.closeTo(reference(m.aggregation, of(['a1', 'a2'])), 9),
          [globex.id]: expect.closeTo(reference(m.aggregation, of(['g1'])), 9),
          null: expect.closeTo(reference(m.aggregation, of(['loose', 'a3'])), 9),
        });
        for (const r of rows) {
          expect(r.subject).toBeNull();
          expect(r.groupBy).toEqual({});
        }
      }
      // The distinct count is not the sum of the subjects' counts: a1 and a2 share u2.
      expect(reference('UNIQUE_COUNT', of(['a1', 'a2']))).toBeLessThan(
        reference('UNIQUE_COUNT', of(['a1'])) + reference('UNIQUE_COUNT', of(['a2'])),
      );
      // With windows, subjects and a customer filter.
      const daily = await query(
        'users',
        'groupBy=customer_id&groupBy=subject&windowSize=DAY&filterCustomerId=acme',
      );
      const got = Object.fromEntries(
        daily.map((r) => [`${r.windowStart} ${r.customerId} ${r.subject}`, r.value]),
      );
      const want: Record<string, number> = {};
      for (const day of [0, 1]) {
        for (const s of ['a1', 'a2']) {
          const events = of([s]).filter((e) => Math.floor((e.time - T0) / DAY) === day);
          if (events.length > 0) {
            want[`${new Date(T0 + day * DAY).toISOString()} ${acme.id} ${s}`] = reference(
              'UNIQUE_COUNT',
              events,
            );
          }
        }
      }
      expect(got).toEqual(want);
      const daySums = await query('users', 'groupBy=customer_id&windowSize=DAY');
      const acmeDay0 = daySums.find(
        (r) => r.customerId === acme.id && r.windowStart === new Date(T0).toISOString(),
      );
      expect(acmeDay0?.value).toBe(
        reference(
          'UNIQUE_COUNT',
          of(['a1', 'a2']).filter((e) => e.time < T0 + DAY),
        ),
      );
    });

    it('a customer-bound publishable key reads only its customer, subjects added later included', async () => {
      const res = await server.request(
        `/admin/v1/accounts/${account.id}/keys`,
        jsonInit(server.adminToken, 'POST', { kind: 'publishable', customerId: 'acme' }),
      );
      const bound = await json<{ key: string; customerId: string }>(res, 201);
      expect(bound.customerId).toBe(acme.id);
      const me = await json<{ customerId: string | null }>(
        await call('/api/v1/me', 'GET', undefined, bound.key),
        200,
      );
      expect(me.customerId).toBe(acme.id);
      const rows = await query('calls', 'groupBy=subject', bound.key);
      expect(Object.fromEntries(rows.map((r) => [r.subject, r.value]))).toEqual({
        a1: of(['a1']).length,
        a2: of(['a2']).length,
      });
      // A subject filter outside the customer reads nothing; the portal route reads the customer.
      expect(await query('calls', 'subject=g1', bound.key)).toEqual([]);
      const portal = await call(
        `/api/v1/portal/meters/users/query?${RANGE}`,
        'GET',
        undefined,
        bound.key,
      );
      expect((await json<{ data: Row[] }>(portal, 200)).data[0]?.value).toBe(
        reference('UNIQUE_COUNT', of(['a1', 'a2'])),
      );
      const subjects = await json<string[]>(
        await call(`/api/v1/meters/calls/subjects?${RANGE}`, 'GET', undefined, bound.key),
        200,
      );
      expect(subjects.sort()).toEqual(['a1', 'a2']);
      // Routes that do not read customers refuse the key rather than read it as unbound.
      expect((await call(`/api/v1/events?${RANGE}`, 'GET', undefined, bound.key)).status).toBe(403);
      expect((await call('/api/v1/customers', 'GET', undefined, bound.key)).status).toBe(403);
      // a3 joins acme: the same key reads it at the next request.
      await json(
        await call('/api/v1/customers/acme', 'PUT', {
          name: 'ACME Corp',
          key: 'acme',
          usageAttribution: { subjectKeys: ['a1', 'a2', 'a3'] },
        }),
        200,
      );
      const [total] = await query('total_ms', '', bound.key);
      expect(total?.value).toBe(reference('SUM', of(['a1', 'a2', 'a3'])));
      // Keys are for publishable keys only, and name a live customer.
      const secretBound = await server.request(
        `/admin/v1/accounts/${account.id}/keys`,
        jsonInit(server.adminToken, 'POST', { kind: 'secret', customerId: 'acme' }),
      );
      expect(secretBound.status).toBe(400);
      // Secret keys only on the customer routes.
      const pub = await account.createKey('publishable');
      expect((await call('/api/v1/customers', 'GET', undefined, pub.key)).status).toBe(403);
      expect((await call('/api/v1/customers', 'POST', { name: 'Y' }, pub.key)).status).toBe(403);
      // Deleting the customer: its key reads nothing (refused), and it no longer filters.
      expect((await call('/api/v1/customers/acme', 'DELETE')).status).toBe(204);
      const after = await call(`/api/v1/meters/calls/query?${RANGE}`, 'GET', undefined, bound.key);
      expect(after.status).toBe(403);
      const filtered = await call(
        `/api/v1/meters/calls/query?${RANGE}&filterCustomerId=${acme.id}`,
      );
      expect(filtered.status).toBe(400);
      const grouped = await query('calls', 'groupBy=customer_id');
      expect(byCustomer(grouped)).toEqual({
        [globex.id]: of(['g1']).length,
        null: of(['a1', 'a2', 'a3', 'loose']).length,
      });
    });

    it('keeps a deleted customer readable by id with deletedAt, and lists it only when asked', async () => {
      const gone = await json<CustomerWire>(await call(`/api/v1/customers/${acme.id}`), 200);
      expect(Date.parse(gone.deletedAt ?? '')).not.toBeNaN();
      const live = await json<{ items: CustomerWire[] }>(await call('/api/v1/customers'), 200);
      expect(live.items.map((c) => c.key)).toEqual(['globex']);
      const all = await json<{ items: CustomerWire[] }>(
        await call('/api/v1/customers?includeDeleted=true'),
        200,
      );
      expect(all.items.map((c) => c.key).sort()).toEqual(['acme', 'globex']);
      // The key is free again, and so are its subjects.
      await json(
        await call('/api/v1/customers', 'POST', {
          name: 'ACME again',
          key: 'acme',
          usageAttribution: { subjectKeys: ['a1'] },
        }),
        201,
      );
      expect((await call(`/api/v1/customers/${acme.id}`, 'DELETE')).status).toBe(404);
    });
  });
}
