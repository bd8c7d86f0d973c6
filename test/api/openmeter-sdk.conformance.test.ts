// The official @openmeter/sdk as a client of a live Tally server: ingest, event listing, every
// meter operation, query and queryPost with every parameter, group-by values, the portal query,
// and errors surfacing as its HTTPError. Expected numbers come from a tiny reference computation
// over the events this test sent, never from the engine.
//
// Tally's `to` is exclusive (the SDK's docs say "inclusive"); the reference uses [from, to).

import { HTTPError, OpenMeter } from '@openmeter/sdk';
import { OpenMeter as PortalClient } from '@openmeter/sdk/portal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestAccount, type TestServer } from '../support/test-server.js';

const MODELS = ['gpt-4', 'gpt-4o', 'claude'] as const;
const SUBJECTS = ['customer-1', 'customer-2', 'customer-3'] as const;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const HOUR = 3_600_000;
const MINUTE = 60_000;

interface RefEvent {
  id: string;
  subject: string;
  time: number;
  model: string;
  type: 'input' | 'output';
  tokens: number;
}

// 60 events, 31 h + i minutes apart: Jan 1 to mid-March 2024, before Europe's DST change, so
// Europe/Budapest is a constant +01:00 here and Asia/Kathmandu is always +05:45.
const EVENTS: RefEvent[] = Array.from({ length: 60 }, (_, i) => ({
  id: `sdk-${i}`,
  subject: SUBJECTS[i % 3] ?? 'customer-1',
  time: T0 + i * 31 * HOUR + i * 7 * MINUTE,
  model: MODELS[Math.floor(i / 3) % 3] ?? 'gpt-4',
  type: i % 2 === 0 ? 'input' : 'output',
  tokens: ((i * 13) % 50) + 1,
}));
// Two extra events in the same hour, minutes apart, for the MINUTE window.
EVENTS.push(
  {
    id: 'sdk-m1',
    subject: 'customer-1',
    time: T0 + 2 * HOUR + 5 * MINUTE,
    model: 'gpt-4',
    type: 'input',
    tokens: 5,
  },
  {
    id: 'sdk-m2',
    subject: 'customer-2',
    time: T0 + 2 * HOUR + 5 * MINUTE + 30_000,
    model: 'claude',
    type: 'output',
    tokens: 7,
  },
);

type Window = 'MINUTE' | 'HOUR' | 'DAY' | 'MONTH';
type Dim = 'subject' | 'model' | 'type';

interface RefQuery {
  from: number;
  to: number;
  window?: Window;
  /** Fixed UTC offset of the window zone, in minutes (the test picks zones without DST here). */
  offsetMinutes?: number;
  subjects?: string[];
  where?: (e: RefEvent) => boolean;
  groupBy?: Dim[];
}

function windowStart(t: number, w: Window, offsetMinutes: number): number {
  const off = offsetMinutes * MINUTE;
  const local = t + off;
  if (w === 'MONTH') {
    const d = new Date(local);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - off;
  }
  const size = w === 'MINUTE' ? MINUTE : w === 'HOUR' ? HOUR : 24 * HOUR;
  return Math.floor(local / size) * size - off;
}

function rowKey(
  start: number | undefined,
  subject: string | null,
  groups: Record<string, string | null>,
): string {
  const g = Object.keys(groups)
    .sort()
    .map((k) => `${k}=${groups[k]}`)
    .join(',');
  return `${start === undefined ? '-' : new Date(start).toISOString()}|${subject ?? '-'}|${g}`;
}

/** The reference model: SUM of tokens per window and group, over [from, to). */
function reference(q: RefQuery): Record<string, number> {
  const out: Record<string, number> = {};
  const dims = (q.groupBy ?? []).filter((d): d is 'model' | 'type' => d !== 'subject');
  for (const e of EVENTS) {
    if (e.time < q.from || e.time >= q.to) continue;
    if (q.subjects && !q.subjects.includes(e.subject)) continue;
    if (q.where && !q.where(e)) continue;
    const start = q.window ? windowStart(e.time, q.window, q.offsetMinutes ?? 0) : undefined;
    const subject = q.groupBy?.includes('subject') ? e.subject : null;
    const groups = Object.fromEntries(dims.map((d) => [d, e[d]]));
    const key = rowKey(start, subject, groups);
    out[key] = (out[key] ?? 0) + e.tokens;
  }
  // An empty expectation would let an empty answer pass: every query here must select something.
  expect(Object.keys(out).length, 'reference selected no events').toBeGreaterThan(0);
  return out;
}

interface WireRow {
  value: number;
  windowStart: string | Date;
  windowEnd: string | Date;
  subject: string | null;
  groupBy: Record<string, string | null>;
}

/** The server's rows in the reference's key form (the SDK turns date strings into Dates). */
function actual(rows: readonly WireRow[], windowed: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const start = windowed ? new Date(r.windowStart).getTime() : undefined;
    const key = rowKey(start, r.subject, r.groupBy);
    expect(out[key], `duplicate row ${key}`).toBeUndefined();
    out[key] = r.value;
  }
  return out;
}

/** meters.queryPost, typed as what it resolves to: the SDK declares its result as openapi-fetch's
 * SuccessResponse map rather than the MeterQueryResult body it actually returns. */
async function queryPost(
  slug: string,
  body: Parameters<OpenMeter['meters']['queryPost']>[1],
): Promise<{ data: WireRow[] }> {
  return (await om.meters.queryPost(slug, body)) as unknown as { data: WireRow[] };
}

let server: TestServer;
let account: TestAccount;
let om: OpenMeter;

const FROM = new Date('2024-01-01T00:00:00.000Z');
const TO = new Date('2024-04-01T00:00:00.000Z');

beforeAll(async () => {
  server = await startTestServer();
  account = await server.createAccount('sdk');
  om = new OpenMeter({ baseUrl: server.url, apiKey: account.secretKey });
});

afterAll(async () => {
  await server.stop();
});

describe('meters CRUD and ingest', () => {
  it('creates a meter and gets it back by slug and by id', async () => {
    const created = await om.meters.create({
      slug: 'tokens_total',
      name: 'Tokens Total',
      description: 'AI token usage',
      aggregation: 'SUM',
      eventType: 'prompt',
      valueProperty: '$.tokens',
      groupBy: { model: '$.model', type: '$.type' },
      metadata: { team: 'ml' },
    });
    expect(created).toMatchObject({
      slug: 'tokens_total',
      name: 'Tokens Total',
      description: 'AI token usage',
      aggregation: 'SUM',
      eventType: 'prompt',
      valueProperty: '$.tokens',
      groupBy: { model: '$.model', type: '$.type' },
      metadata: { team: 'ml' },
    });
    expect(created?.id).toEqual(expect.any(String));
    // The SDK decodes dates: createdAt must be a parseable RFC 3339 string on the wire.
    expect(created?.createdAt).toBeInstanceOf(Date);
    const bySlug = await om.meters.get('tokens_total');
    expect(bySlug?.id).toBe(created?.id);
    const byId = await om.meters.get(created?.id ?? '');
    expect(byId?.slug).toBe('tokens_total');
  });

  it('ingests one event and an array through events.ingest', async () => {
    const toCloud = (e: RefEvent) => ({
      id: e.id,
      source: 'sdk-test',
      type: 'prompt',
      subject: e.subject,
      time: new Date(e.time),
      data: { tokens: e.tokens, model: e.model, type: e.type },
    });
    const [first, ...rest] = EVENTS;
    if (!first) throw new Error('no events');
    await expect(om.events.ingest(toCloud(first))).resolves.toBeUndefined();
    await expect(om.events.ingest(rest.map(toCloud))).resolves.toBeUndefined();
    // An event without id/source/time: the SDK fills them in, and it counts (on another type).
    await expect(
      om.events.ingest({ type: 'sdk_defaults', subject: 'customer-9', data: { n: 1 } }),
    ).resolves.toBeUndefined();
  });

  it('lists events with from, to, subject, id and limit', async () => {
    const all = await om.events.list({ from: FROM, to: TO, limit: 100 });
    expect(all?.length).toBe(EVENTS.length);
    const first = all?.[0];
    expect(first?.event.source).toBe('sdk-test');
    expect(first?.ingestedAt).toBeInstanceOf(Date);
    const c2 = await om.events.list({ from: FROM, to: TO, subject: 'customer-2', limit: 100 });
    expect(c2?.length).toBe(EVENTS.filter((e) => e.subject === 'customer-2').length);
    expect(new Set(c2?.map((e) => e.event.subject))).toEqual(new Set(['customer-2']));
    const one = await om.events.list({ from: FROM, to: TO, id: 'sdk-m2' });
    expect(one?.map((e) => e.event.id)).toEqual(['sdk-m2']);
    expect(one?.[0]?.event.data).toEqual({ tokens: 7, model: 'claude', type: 'output' });
    const limited = await om.events.list({ from: FROM, to: TO, limit: 5 });
    expect(limited?.length).toBe(5);
    // The default range is the last 72 hours, where only the SDK-defaulted event lies.
    const recent = await om.events.list();
    expect(recent?.map((e) => e.event.subject)).toEqual(['customer-9']);
    expect(recent?.[0]?.event.source).toBe('@openmeter/sdk');
  });

  it('events.list accepts every parameter but customerId, which is refused (no customers here)', async () => {
    await expect(
      om.events.list({ customerId: ['01J5Z0C2VQ6ZJ1K5B2Y8T3M4N6'], from: FROM, to: TO }),
    ).rejects.toThrow(/customerId.*filter by subject/);
    const listed = await om.events.list({
      clientId: 'client-1',
      // An hour either side of now: the events were ingested during this test run.
      ingestedAtFrom: new Date(Date.now() - HOUR),
      ingestedAtTo: new Date(Date.now() + HOUR),
      id: 'sdk-1',
      subject: 'customer',
      from: FROM,
      to: TO,
      limit: 50,
    });
    // "id" and "subject" are partial matches: sdk-1 and sdk-10 ... sdk-19.
    const want = EVENTS.filter((e) => e.id.includes('sdk-1')).map((e) => e.id);
    expect(listed?.map((e) => e.event.id).sort()).toEqual(want.sort());
    const none = await om.events.list({
      from: FROM,
      to: TO,
      ingestedAtTo: new Date('2020-01-01T00:00:00Z'),
    });
    expect(none).toEqual([]);
  });

  it('events.listV2 pages with the cursor and filters with the JSON filter', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 50; n++) {
      const page = await om.events.listV2({
        limit: 4,
        clientId: 'client-1',
        filter: JSON.stringify({ source: { $eq: 'sdk-test' } }),
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...(page?.items.map((e) => e.event.id ?? '') ?? []));
      expect(page?.items[0]?.ingestedAt).toBeInstanceOf(Date);
      cursor = page?.nextCursor;
      if (!cursor) break;
    }
    // Newest first, ties by id (one source): every SDK test event once.
    const want = [...EVENTS]
      .sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1))
      .map((e) => e.id);
    expect(seen).toEqual(want);
    const c2 = await om.events.listV2({
      filter: JSON.stringify({ subject: { $eq: 'customer-2' }, time: { $gte: FROM } }),
    });
    expect(c2?.items.map((e) => e.event.id).sort()).toEqual(
      EVENTS.filter((e) => e.subject === 'customer-2')
        .map((e) => e.id)
        .sort(),
    );
    await expect(
      om.events.listV2({ filter: JSON.stringify({ subject: { $nin: ['x'] } }) }),
    ).rejects.toThrow(/\$nin/);
  });

  it('lists meters', async () => {
    const meters = await om.meters.list();
    expect(meters?.map((m) => m.slug)).toEqual(['tokens_total']);
  });

  it('updates groupBy, and old events are queryable by the new dimension', async () => {
    const created = await om.meters.create({
      slug: 'prompt_count',
      aggregation: 'COUNT',
      eventType: 'prompt',
      groupBy: { model: '$.model' },
    });
    expect(created?.name).toBe('prompt_count');
    const updated = await om.meters.update('prompt_count', {
      name: 'Prompt count',
      description: 'prompts by kind',
      groupBy: { model: '$.model', kind: '$.type' },
    });
    expect(updated).toMatchObject({
      name: 'Prompt count',
      description: 'prompts by kind',
      groupBy: { model: '$.model', kind: '$.type' },
    });
    const res = await om.meters.query('prompt_count', { from: FROM, to: TO, groupBy: ['kind'] });
    const want: Record<string, number> = {};
    for (const e of EVENTS) want[e.type] = (want[e.type] ?? 0) + 1;
    expect(Object.fromEntries(res.data.map((r) => [r.groupBy.kind, r.value]))).toEqual(want);
  });

  it('deletes a meter: it is gone from get and list', async () => {
    await expect(om.meters.delete('prompt_count')).resolves.toBeUndefined();
    const err = await om.meters.get('prompt_count').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HTTPError);
    expect((err as HTTPError).status).toBe(404);
    expect((await om.meters.list())?.map((m) => m.slug)).toEqual(['tokens_total']);
  });
});

describe('meters.query (GET)', () => {
  const cases: { name: string; window?: Window }[] = [
    { name: 'no window' },
    { name: 'MINUTE', window: 'MINUTE' },
    { name: 'HOUR', window: 'HOUR' },
    { name: 'DAY', window: 'DAY' },
    { name: 'MONTH', window: 'MONTH' },
  ];
  for (const c of cases) {
    it(`windowSize ${c.name}`, async () => {
      // MINUTE over three months would be fine too, but a short range keeps the point clear.
      const from = c.window === 'MINUTE' ? new Date(T0) : FROM;
      const to = c.window === 'MINUTE' ? new Date(T0 + 6 * HOUR) : TO;
      const res = await om.meters.query('tokens_total', {
        from,
        to,
        ...(c.window ? { windowSize: c.window } : {}),
      });
      const want = reference({
        from: from.getTime(),
        to: to.getTime(),
        ...(c.window ? { window: c.window } : {}),
      });
      expect(actual(res.data, c.window !== undefined)).toEqual(want);
      if (c.window) expect(res.windowSize).toBe(c.window);
      for (const row of res.data) {
        expect(row.subject).toBeNull();
        expect(row.groupBy).toEqual({});
      }
    });
  }

  it('to is exclusive: an event exactly at `to` is left out, one at `from` is in', async () => {
    const e = EVENTS[10];
    if (!e) throw new Error('missing event');
    const atTo = await om.meters.query('tokens_total', {
      from: new Date(e.time - HOUR),
      to: new Date(e.time),
    });
    expect(actual(atTo.data, false)).toEqual({});
    const atFrom = await om.meters.query('tokens_total', {
      from: new Date(e.time),
      to: new Date(e.time + 1),
    });
    expect(atFrom.data.map((r) => r.value)).toEqual([e.tokens]);
  });

  it('windowTimeZone: DAY windows in Europe/Budapest and HOUR windows in Asia/Kathmandu (+05:45)', async () => {
    const budapest = await om.meters.query('tokens_total', {
      from: FROM,
      to: TO,
      windowSize: 'DAY',
      windowTimeZone: 'Europe/Budapest',
    });
    expect(actual(budapest.data, true)).toEqual(
      reference({ from: FROM.getTime(), to: TO.getTime(), window: 'DAY', offsetMinutes: 60 }),
    );
    const ktm = await om.meters.query('tokens_total', {
      from: FROM,
      to: new Date('2024-01-20T00:00:00Z'),
      windowSize: 'HOUR',
      windowTimeZone: 'Asia/Kathmandu',
    });
    // Every Kathmandu hour starts at :15 UTC.
    for (const r of ktm.data) expect(new Date(r.windowStart).getUTCMinutes()).toBe(15);
    expect(actual(ktm.data, true)).toEqual(
      reference({
        from: FROM.getTime(),
        to: Date.parse('2024-01-20T00:00:00Z'),
        window: 'HOUR',
        offsetMinutes: 345,
      }),
    );
  });

  it('subject[] filters and groupBy subject', async () => {
    const subjects = ['customer-1', 'customer-3'];
    const res = await om.meters.query('tokens_total', {
      from: FROM,
      to: TO,
      subject: subjects,
      groupBy: ['subject'],
    });
    expect(actual(res.data, false)).toEqual(
      reference({ from: FROM.getTime(), to: TO.getTime(), subjects, groupBy: ['subject'] }),
    );
    expect(res.data.map((r) => r.subject).sort()).toEqual(subjects);
  });

  it('groupBy several dimensions and subject at once, with a month window', async () => {
    const res = await om.meters.query('tokens_total', {
      from: FROM,
      to: TO,
      windowSize: 'MONTH',
      groupBy: ['model', 'type', 'subject'],
    });
    expect(actual(res.data, true)).toEqual(
      reference({
        from: FROM.getTime(),
        to: TO.getTime(),
        window: 'MONTH',
        groupBy: ['model', 'type', 'subject'],
      }),
    );
  });

  it('filterGroupBy (deepObject) with groupBy', async () => {
    const res = await om.meters.query('tokens_total', {
      from: FROM,
      to: TO,
      filterGroupBy: { model: 'gpt-4', type: 'input' },
      groupBy: ['model', 'type'],
    });
    expect(actual(res.data, false)).toEqual(
      reference({
        from: FROM.getTime(),
        to: TO.getTime(),
        where: (e) => e.model === 'gpt-4' && e.type === 'input',
        groupBy: ['model', 'type'],
      }),
    );
  });

  const advanced: { name: string; filter: unknown; where: (e: RefEvent) => boolean }[] = [
    {
      name: '$in',
      filter: { model: { $in: ['gpt-4', 'claude'] } },
      where: (e) => e.model !== 'gpt-4o',
    },
    { name: '$ne', filter: { model: { $ne: 'gpt-4' } }, where: (e) => e.model !== 'gpt-4' },
    {
      name: '$like',
      filter: { model: { $like: 'gpt%' } },
      where: (e) => e.model.startsWith('gpt'),
    },
    {
      name: '$and',
      filter: { model: { $and: [{ $like: 'gpt%' }, { $ne: 'gpt-4o' }] } },
      where: (e) => e.model === 'gpt-4',
    },
    {
      name: '$or across two dimensions',
      filter: { model: { $or: [{ $eq: 'claude' }, { $eq: 'gpt-4o' }] }, type: { $eq: 'output' } },
      where: (e) => (e.model === 'claude' || e.model === 'gpt-4o') && e.type === 'output',
    },
  ];
  for (const a of advanced) {
    it(`advancedMeterGroupByFilters ${a.name}`, async () => {
      const res = await om.meters.query('tokens_total', {
        from: FROM,
        to: TO,
        advancedMeterGroupByFilters: JSON.stringify(a.filter),
        groupBy: ['model'],
      });
      expect(actual(res.data, false)).toEqual(
        reference({ from: FROM.getTime(), to: TO.getTime(), where: a.where, groupBy: ['model'] }),
      );
    });
  }

  it('every parameter at once, clientId accepted, a filterCustomerId of no customer refused', async () => {
    const query = {
      clientId: 'client-1',
      from: FROM,
      to: TO,
      windowSize: 'DAY' as const,
      windowTimeZone: 'Europe/Budapest',
      subject: ['customer-1', 'customer-2'],
      filterGroupBy: { type: 'input' },
      advancedMeterGroupByFilters: JSON.stringify({ model: { $in: ['gpt-4', 'gpt-4o'] } }),
      groupBy: ['model', 'subject'],
    };
    const want = reference({
      from: FROM.getTime(),
      to: TO.getTime(),
      window: 'DAY',
      offsetMinutes: 60,
      subjects: ['customer-1', 'customer-2'],
      where: (e) => e.type === 'input' && e.model !== 'claude',
      groupBy: ['model', 'subject'],
    });
    const res = await om.meters.query('tokens_total', query);
    expect(Object.keys(want).length).toBeGreaterThan(3);
    expect(actual(res.data, true)).toEqual(want);
    // Customers that do not exist: the filter is refused, never ignored (issue 11). Real customers:
    // openmeter-sdk-customers.conformance.test.ts.
    const withCustomer = await om.meters
      .query('tokens_total', {
        ...query,
        filterCustomerId: ['01J5Z0C2VQ6ZJ1K5B2Y8T3M4N6', '01J5Z0C2VQ6ZJ1K5B2Y8T3M4N7'],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(withCustomer).toBeInstanceOf(HTTPError);
    expect((withCustomer as HTTPError).status).toBe(400);
    expect(String((withCustomer as HTTPError).getField('detail'))).toContain('filterCustomerId');
  });
});

describe('meters.queryPost', () => {
  it('every parameter in the JSON body, +05:45 days, filterGroupBy arrays', async () => {
    const want = reference({
      from: FROM.getTime(),
      to: TO.getTime(),
      window: 'DAY',
      offsetMinutes: 345,
      subjects: ['customer-1', 'customer-3'],
      where: (e) => (e.model === 'gpt-4' || e.model === 'claude') && e.type === 'output',
      groupBy: ['model', 'subject'],
    });
    const res = await queryPost('tokens_total', {
      clientId: 'client-2',
      from: FROM,
      to: TO,
      windowSize: 'DAY',
      windowTimeZone: 'Asia/Kathmandu',
      subject: ['customer-1', 'customer-3'],
      filterGroupBy: { model: ['gpt-4', 'claude'] },
      advancedMeterGroupByFilters: { type: { $eq: 'output' } },
      groupBy: ['model', 'subject'],
    });
    expect(Object.keys(want).length).toBeGreaterThan(3);
    expect(actual(res.data, true)).toEqual(want);
  });

  for (const w of ['MINUTE', 'HOUR', 'MONTH'] as const) {
    it(`windowSize ${w} with $nin and $or`, async () => {
      const from = w === 'MINUTE' ? T0 : FROM.getTime();
      const to = w === 'MINUTE' ? T0 + 6 * HOUR : TO.getTime();
      const res = await queryPost('tokens_total', {
        from: new Date(from),
        to: new Date(to),
        windowSize: w,
        advancedMeterGroupByFilters: {
          model: { $nin: ['gpt-4o'] },
          type: { $or: [{ $eq: 'input' }, { $eq: 'output' }] },
        },
        groupBy: ['type'],
      });
      expect(actual(res.data, true)).toEqual(
        reference({ from, to, window: w, where: (e) => e.model !== 'gpt-4o', groupBy: ['type'] }),
      );
    });
  }
});

describe('group-by values and the portal', () => {
  it('listGroupByValues lists the values in the range', async () => {
    const values = await om.meters.listGroupByValues('tokens_total', 'model', {
      from: FROM,
      to: TO,
    });
    expect([...(values ?? [])].sort()).toEqual([...MODELS].sort());
    // Only February: every model still appears, but a range with one event has one value.
    const e = EVENTS[20];
    if (!e) throw new Error('missing event');
    const one = await om.meters.listGroupByValues('tokens_total', 'model', {
      from: new Date(e.time),
      to: new Date(e.time + 1),
    });
    expect(one).toEqual([e.model]);
  });

  it('the portal query with a subject-bound key sees only that subject', async () => {
    const { key } = await account.createKey('publishable', 'customer-2');
    const portal = new PortalClient({ baseUrl: server.url, portalToken: key });
    const res = await portal.query('tokens_total', {
      from: FROM,
      to: TO,
      windowSize: 'DAY',
      windowTimeZone: 'Europe/Budapest',
      filterGroupBy: { model: 'gpt-4o' },
      groupBy: ['model'],
    });
    expect(actual(res.data, true)).toEqual(
      reference({
        from: FROM.getTime(),
        to: TO.getTime(),
        window: 'DAY',
        offsetMinutes: 60,
        subjects: ['customer-2'],
        where: (e) => e.model === 'gpt-4o',
        groupBy: ['model'],
      }),
    );
    const total = await portal.query('tokens_total', { from: FROM, to: TO, groupBy: ['subject'] });
    expect(actual(total.data, false)).toEqual(
      reference({
        from: FROM.getTime(),
        to: TO.getTime(),
        subjects: ['customer-2'],
        groupBy: ['subject'],
      }),
    );
  });
});

describe('errors are HTTPError with the problem detail', () => {
  async function failure(p: Promise<unknown>): Promise<HTTPError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HTTPError);
    return err as HTTPError;
  }

  it('400 for a bad windowSize', async () => {
    const err = await failure(
      // A value outside the SDK's type, as a careless caller might send.
      om.meters.query('tokens_total', { windowSize: 'FORTNIGHT' as unknown as Window }),
    );
    expect(err.status).toBe(400);
    expect(err.title).toBe('Bad Request');
    expect(err.type).toBe('about:blank');
    const detail = err.getField('detail');
    expect(detail).toEqual(expect.stringContaining('windowSize'));
    expect(err.message).toContain(String(detail));
    expect(err.getField('extensions')).toMatchObject({
      validationErrors: [expect.objectContaining({ field: 'windowSize' })],
    });
  });

  it('404 for an unknown meter (get and query)', async () => {
    // Calls, not promises: a second promise created up front would reject unhandled.
    for (const call of [
      () => om.meters.get('no_such_meter'),
      () => om.meters.query('no_such_meter'),
    ]) {
      const err = await failure(call());
      expect(err.status).toBe(404);
      expect(err.title).toBe('Not Found');
      const detail = String(err.getField('detail'));
      expect(detail).toContain('no_such_meter');
      expect(err.message).toContain(detail);
    }
  });

  it('401 for a bad key', async () => {
    const bad = new OpenMeter({ baseUrl: server.url, apiKey: 'om_not_a_real_key' });
    const err = await failure(bad.meters.list());
    expect(err.status).toBe(401);
    expect(err.title).toBe('Unauthorized');
    expect(err.message).toContain(String(err.getField('detail')));
    const ingestErr = await failure(bad.events.ingest({ type: 'prompt', subject: 's' }));
    expect(ingestErr.status).toBe(401);
  });

  it('409 for a duplicate slug', async () => {
    const err = await failure(
      om.meters.create({ slug: 'tokens_total', aggregation: 'COUNT', eventType: 'x' }),
    );
    expect(err.status).toBe(409);
    expect(err.title).toBe('Conflict');
  });
});
