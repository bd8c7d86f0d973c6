// The official @openmeter/sdk's customer calls against a live Tally server: create, list, get,
// update, delete, and a meter query filtered (and grouped) by customer. Expected numbers come from
// the events this test sent.
import { HTTPError, OpenMeter } from '@openmeter/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

const T0 = Date.parse('2024-05-01T00:00:00.000Z');
const FROM = new Date(T0);
const TO = new Date(T0 + 86_400_000);
// tokens per subject; the customer "acme" owns s1 and s2, s3 is nobody's.
const EVENTS = [
  { subject: 's1', tokens: 5 },
  { subject: 's1', tokens: 7 },
  { subject: 's2', tokens: 11 },
  { subject: 's3', tokens: 13 },
];
const sum = (subjects: string[]) =>
  EVENTS.filter((e) => subjects.includes(e.subject)).reduce((s, e) => s + e.tokens, 0);

let server: TestServer;
let om: OpenMeter;

beforeAll(async () => {
  server = await startTestServer();
  const account = await server.createAccount('sdk-customers');
  om = new OpenMeter({ baseUrl: server.url, apiKey: account.secretKey });
  await om.meters.create({
    slug: 'tokens',
    name: 'Tokens',
    aggregation: 'SUM',
    eventType: 'prompt',
    valueProperty: '$.tokens',
  });
  await om.events.ingest(
    EVENTS.map((e, i) => ({
      id: `c-${i}`,
      source: 'sdk-customers',
      type: 'prompt',
      subject: e.subject,
      time: new Date(T0 + i * 60_000),
      data: { tokens: e.tokens },
    })),
  );
});

afterAll(async () => {
  await server?.stop();
});

describe('@openmeter/sdk customers', () => {
  let id = '';

  it('create, get by id and key, list', async () => {
    const created = await om.customers.create({
      name: 'ACME',
      key: 'acme',
      metadata: { plan: 'pro' },
      usageAttribution: { subjectKeys: ['s1'] },
    });
    expect(created).toMatchObject({
      name: 'ACME',
      key: 'acme',
      metadata: { plan: 'pro' },
      usageAttribution: { subjectKeys: ['s1'] },
    });
    // The SDK decodes dates: the wire carries RFC 3339 strings.
    expect(created?.createdAt).toBeInstanceOf(Date);
    id = created?.id ?? '';
    expect((await om.customers.get(id))?.key).toBe('acme');
    expect((await om.customers.get('acme'))?.id).toBe(id);
    const list = await om.customers.list({ page: 1, pageSize: 10, key: 'ACM' });
    expect(list).toMatchObject({ totalCount: 1, page: 1, pageSize: 10 });
    expect(list?.items.map((c) => c.id)).toEqual([id]);
  });

  it('update, then a meter query filtered and grouped by customer', async () => {
    const updated = await om.customers.update(id, {
      name: 'ACME Inc',
      key: 'acme',
      usageAttribution: { subjectKeys: ['s1', 's2'] },
    });
    expect(updated?.name).toBe('ACME Inc');
    expect(updated?.updatedAt).toBeInstanceOf(Date);
    const filtered = await om.meters.query('tokens', {
      from: FROM,
      to: TO,
      filterCustomerId: [id],
    });
    expect(filtered?.data.map((r) => r.value)).toEqual([sum(['s1', 's2'])]);
    const grouped = await om.meters.query('tokens', {
      from: FROM,
      to: TO,
      groupBy: ['customer_id'],
    });
    const byCustomer = Object.fromEntries(
      (grouped?.data ?? []).map((r) => [String(r.customerId), r.value]),
    );
    expect(byCustomer).toEqual({ [id]: sum(['s1', 's2']), null: sum(['s3']) });
    const posted = (await om.meters.queryPost('tokens', {
      from: FROM,
      to: TO,
      filterCustomerId: [id],
      subject: ['s2'],
    })) as unknown as { data: { value: number }[] };
    expect(posted.data.map((r) => r.value)).toEqual([sum(['s2'])]);
  });

  it('a clash is an HTTPError 409; delete, then the customer shows deletedAt and no longer filters', async () => {
    const clash = await om.customers.create({ name: 'Other', key: 'acme' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(clash).toBeInstanceOf(HTTPError);
    expect((clash as HTTPError).status).toBe(409);
    await expect(om.customers.delete(id)).resolves.toBeUndefined();
    expect((await om.customers.get(id))?.deletedAt).toBeInstanceOf(Date);
    expect((await om.customers.list())?.items).toEqual([]);
    expect((await om.customers.list({ includeDeleted: true }))?.totalCount).toBe(1);
    const gone = await om.meters
      .query('tokens', { from: FROM, to: TO, filterCustomerId: [id] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((gone as HTTPError).status).toBe(400);
  });
});
