// Tally's optional extensions of the OpenMeter query API, over HTTP: ISO 8601 window names
// (PT15M, P1W, P1M, P1Y...), fixed-offset zones (+05:45, -03:30), fill=zero, cumulative and rolling
// modes (distinct counts over the whole span, never sums of per-window counts) and CSV output.
// Expected values come from a small reference over the events the test sent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestServer,
  testEvent,
} from '../support/test-server.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse('2024-03-01T00:00:00Z');

interface Ev {
  time: number;
  subject: string;
  n: number;
  user: string;
}

// 40 events through March 2024 (17 h 11 min apart) and 12 dense ones in the first three hours.
const EVENTS: Ev[] = [
  ...Array.from({ length: 40 }, (_, i) => ({
    time: T0 + i * (17 * HOUR + 11 * MIN),
    subject: i % 2 === 0 ? 'c1' : 'c2',
    n: (i % 7) + 1,
    user: `u${(i * 3) % 8}`,
  })),
  ...Array.from({ length: 12 }, (_, k) => ({
    time: T0 + 30 * MIN + k * 7 * MIN,
    subject: 'c1',
    n: 10,
    user: `d${k % 3}`,
  })),
];

type Agg = 'sum' | 'users';

/** Value of events in [from, to): SUM of n, or the number of distinct users. */
function value(agg: Agg, from: number, to: number): number {
  const inRange = EVENTS.filter((e) => e.time >= from && e.time < to);
  return agg === 'sum'
    ? inRange.reduce((s, e) => s + e.n, 0)
    : new Set(inRange.map((e) => e.user)).size;
}

/** Fixed-size windows from an aligned start: [start, start+size), ... up to `to`. */
function fixedWindows(from: number, to: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = from; s < to; s += size) out.push([s, Math.min(s + size, to)]);
  return out;
}

interface Row {
  value: number;
  windowStart: string;
  windowEnd: string;
  subject: string | null;
}

let server: TestServer;
let account: TestAccount;

async function query(slug: string, params: string): Promise<Row[]> {
  const res = await server.request(`/api/v1/meters/${slug}/query?${params}`, {
    key: account.secretKey,
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { data: Row[] }).data;
}

const slugOf: Record<Agg, string> = { sum: 'ext_sum', users: 'ext_users' };

/** Rows as {windowStart ISO: value}. */
const byStart = (rows: Row[]) =>
  Object.fromEntries(rows.map((r) => [new Date(r.windowStart).toISOString(), r.value]));

/** Reference windows as {windowStart ISO: value}, dropping empty ones unless `dense`. */
function expected(agg: Agg, windows: [number, number][], dense = false): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [s, e] of windows) {
    const v = value(agg, s, e);
    if (dense || v !== 0) out[new Date(s).toISOString()] = v;
  }
  expect(
    Object.values(out).some((v) => v > 0),
    'reference selected no events',
  ).toBe(true);
  return out;
}

const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());

beforeAll(async () => {
  server = await startTestServer();
  account = await server.createAccount('extensions');
  for (const meter of [
    { slug: 'ext_sum', eventType: 'ext', aggregation: 'SUM', valueProperty: '$.n' },
    { slug: 'ext_users', eventType: 'ext', aggregation: 'UNIQUE_COUNT', valueProperty: '$.user' },
  ]) {
    const res = await server.request('/api/v1/meters', jsonInit(account.secretKey, 'POST', meter));
    expect(res.status).toBe(201);
  }
  const events = EVENTS.map((e) => testEvent('ext', e.subject, e.time, { n: e.n, user: e.user }));
  const res = await server.request('/api/v1/events', jsonInit(account.secretKey, 'POST', events));
  expect(res.status).toBe(204);
});

afterAll(async () => {
  await server.stop();
});

describe('window sizes by ISO 8601 name', () => {
  it('PT15M and FIFTEEN_MINUTES', async () => {
    const from = T0;
    const to = T0 + 3 * HOUR;
    const want = expected('sum', fixedWindows(from, to, 15 * MIN));
    for (const w of ['PT15M', 'FIFTEEN_MINUTES']) {
      expect(
        byStart(await query('ext_sum', `from=${iso(from)}&to=${iso(to)}&windowSize=${w}`)),
      ).toEqual(want);
    }
  });

  it('PT1M and PT1H equal MINUTE and HOUR', async () => {
    const params = `from=${iso(T0)}&to=${iso(T0 + 3 * HOUR)}`;
    expect(await query('ext_sum', `${params}&windowSize=PT1M`)).toEqual(
      await query('ext_sum', `${params}&windowSize=MINUTE`),
    );
    const hours = await query('ext_sum', `${params}&windowSize=PT1H`);
    expect(byStart(hours)).toEqual(expected('sum', fixedWindows(T0, T0 + 3 * HOUR, HOUR)));
  });

  it('P1D in +05:45: days start at 18:15 UTC', async () => {
    const from = Date.parse('2024-03-01T00:00:00+05:45');
    const to = Date.parse('2024-04-01T00:00:00+05:45');
    const rows = await query(
      'ext_sum',
      `from=${iso(from)}&to=${iso(to)}&windowSize=P1D&windowTimeZone=${encodeURIComponent('+05:45')}`,
    );
    expect(byStart(rows)).toEqual(expected('sum', fixedWindows(from, to, DAY)));
    for (const r of rows) expect(r.windowStart.slice(11, 16)).toBe('18:15');
  });

  it('P1W in +05:45: weeks start on Monday', async () => {
    // 2024-02-26 and 2024-04-01 are Mondays.
    const from = Date.parse('2024-02-26T00:00:00+05:45');
    const to = Date.parse('2024-04-01T00:00:00+05:45');
    const rows = await query(
      'ext_users',
      `from=${iso(from)}&to=${iso(to)}&windowSize=P1W&windowTimeZone=${encodeURIComponent('+05:45')}`,
    );
    expect(byStart(rows)).toEqual(expected('users', fixedWindows(from, to, 7 * DAY)));
  });

  it('P1M in -03:30: the first events of March UTC belong to February there', async () => {
    const zone = encodeURIComponent('-03:30');
    const months = [
      '2024-02-01T00:00:00-03:30',
      '2024-03-01T00:00:00-03:30',
      '2024-04-01T00:00:00-03:30',
    ].map(Date.parse) as [number, number, number];
    const rows = await query(
      'ext_sum',
      `from=${iso(months[0])}&to=${iso(months[2])}&windowSize=P1M&windowTimeZone=${zone}`,
    );
    expect(byStart(rows)).toEqual(
      expected('sum', [
        [months[0], months[1]],
        [months[1], months[2]],
      ]),
    );
    expect(rows.length).toBe(2);
  });

  it('P1Y: one window for the year', async () => {
    const from = Date.parse('2024-01-01T00:00:00Z');
    const to = Date.parse('2025-01-01T00:00:00Z');
    const rows = await query('ext_users', `from=${iso(from)}&to=${iso(to)}&windowSize=P1Y`);
    expect(byStart(rows)).toEqual(expected('users', [[from, to]]));
  });
});

describe('fill and aggregation modes', () => {
  const from = Date.parse('2024-03-01T00:00:00Z');
  const to = Date.parse('2024-04-01T00:00:00Z');
  const days = fixedWindows(from, to, DAY);

  it('fill=zero returns every window, empty ones as 0', async () => {
    const rows = await query('ext_sum', `from=${iso(from)}&to=${iso(to)}&windowSize=DAY&fill=zero`);
    expect(rows.length).toBe(31);
    expect(byStart(rows)).toEqual(expected('sum', days, true));
    expect(rows.some((r) => r.value === 0)).toBe(true);
  });

  for (const agg of ['sum', 'users'] as const) {
    it(`cumulative (month to date) for ${agg}`, async () => {
      const rows = await query(
        slugOf[agg],
        `from=${iso(from)}&to=${iso(to)}&windowSize=DAY&aggregationMode=cumulative&cumulativePeriod=P1M&fill=zero`,
      );
      const want: Record<string, number> = {};
      for (const [s, e] of days) want[new Date(s).toISOString()] = value(agg, from, e);
      expect(byStart(rows)).toEqual(want);
    });

    it(`rolling P3D for ${agg}: each day covers the three days ending with it`, async () => {
      const rows = await query(
        slugOf[agg],
        `from=${iso(from)}&to=${iso(to)}&windowSize=DAY&aggregationMode=rolling&rollingSpan=P3D&fill=zero`,
      );
      const want: Record<string, number> = {};
      for (const [s, e] of days) want[new Date(s).toISOString()] = value(agg, e - 3 * DAY, e);
      expect(byStart(rows)).toEqual(want);
    });
  }

  it('distinct counts over a span are not sums of per-window counts', async () => {
    // Guard on the data: users repeat across days, so a sum would be larger than the distinct count.
    const perDay = days.reduce((s, [a, b]) => s + value('users', a, b), 0);
    expect(perDay).toBeGreaterThan(value('users', from, to));
  });

  it('rolling without rollingSpan, or a mode without windowSize, is a 400 naming the field', async () => {
    for (const [params, field] of [
      ['aggregationMode=rolling&windowSize=DAY', 'rollingSpan'],
      ['aggregationMode=cumulative', 'windowSize'],
    ] as const) {
      const res = await server.request(
        `/api/v1/meters/ext_sum/query?from=${iso(from)}&to=${iso(to)}&${params}`,
        { key: account.secretKey },
      );
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(field);
    }
  });
});

describe('CSV output', () => {
  it('Accept: text/csv returns the same rows as JSON', async () => {
    const from = Date.parse('2024-03-01T00:00:00Z');
    const to = Date.parse('2024-03-08T00:00:00Z');
    const params = `from=${iso(from)}&to=${iso(to)}&windowSize=DAY&groupBy=subject`;
    const json = await query('ext_sum', params);
    const res = await server.request(`/api/v1/meters/ext_sum/query?${params}`, {
      key: account.secretKey,
      headers: { accept: 'text/csv' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...lines] = (await res.text()).trimEnd().split('\n');
    expect(header).toBe('windowStart,windowEnd,subject,value');
    expect(lines).toEqual(
      json.map((r) => [r.windowStart, r.windowEnd, r.subject ?? '', String(r.value)].join(',')),
    );
    expect(lines.length).toBeGreaterThan(3);
  });
});
