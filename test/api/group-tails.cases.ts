// Group-by tails (`limit`) through the HTTP API, the same cases on every store. The expectation is
// brute force over the events the test sent: the behaviour suite's reference model
// (test/behaviour/reference-model.ts) answers the rank, the top groups and the "other" group as
// three plain queries over chosen events; the ranking and its tie-break are written out here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RefAgg,
  type RefEvent,
  type RefQuery,
  referenceQuery,
} from '../behaviour/reference-model.js';
import { jsonInit, type TestServer } from '../support/test-server.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-04-01T00:00:00Z');
/** The queried range: days 1..3. Day 0 lies before it, inside the month (cumulative) and the
 * trailing two days of the first window (rolling). */
const FROM = T0 + DAY;
const TO = T0 + 4 * DAY;

const AGGS: RefAgg[] = ['SUM', 'COUNT', 'UNIQUE_COUNT', 'AVG', 'MIN', 'MAX', 'LATEST'];
const DIMS = { region: 'region', tier: 'tier' };

interface Sent {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

/** A small deterministic generator (mulberry32), so that a failure replays. */
function generator(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Events of one region (null: no region property, a group of its own). Regions made from the same
 * seed hold the same events but for the region, so they tie under every aggregation.
 */
function regionEvents(region: string | null, seed: number, n: number, scale: number): Sent[] {
  const r = generator(seed);
  const out: Sent[] = [];
  for (let i = 0; i < n; i++) {
    const day = Math.floor(r() * 4);
    const tier = ['a', 'b', null][Math.floor(r() * 3)];
    const data: Record<string, unknown> = {
      v: (1 + Math.floor(r() * 20)) * scale,
      u: `u${Math.floor(r() * 6)}`,
    };
    if (region !== null) data.region = region;
    if (tier !== null) data.tier = tier;
    out.push({
      id: `${region ?? 'none'}-${i}`,
      source: 'tails',
      type: 'call',
      subject: `s${Math.floor(r() * 3)}`,
      time: new Date(T0 + day * DAY + Math.floor(r() * 24) * 3_600_000).toISOString(),
      data,
    });
  }
  return out;
}

function allEvents(): Sent[] {
  return [
    ...regionEvents(null, 1, 14, 3),
    ...regionEvents('r0', 2, 12, 2),
    // r1, r2 and r3 tie under every aggregation: the key decides.
    ...regionEvents('r1', 3, 8, 1),
    ...regionEvents('r2', 3, 8, 1),
    ...regionEvents('r3', 3, 8, 1),
    ...regionEvents('r4', 4, 5, 1),
    ...regionEvents('r5', 5, 3, 1),
    // Only before the range: in no rank, yet in the cumulative and rolling "other" group.
    ...regionEvents('r9', 6, 4, 1).map((e) => ({
      ...e,
      time: new Date(T0 + 3_600_000).toISOString(),
    })),
  ];
}

const toRef = (e: Sent): RefEvent => ({
  subject: e.subject,
  time: Date.parse(e.time),
  data: e.data,
});

type Key = (string | null)[];

/** The documented order: greatest value first, ties by key, element by element, null first. */
function byRank(a: { key: Key; value: number }, b: { key: Key; value: number }): number {
  if (a.value !== b.value) return b.value - a.value;
  for (let i = 0; i < a.key.length; i++) {
    const x = a.key[i] ?? null;
    const y = b.key[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

interface Case {
  name: string;
  groupBy: string[];
  limit: number;
  window?: 'DAY';
  mode?: { kind: 'cumulative' } | { kind: 'rolling' };
}

const CASES: Case[] = [
  { name: 'one total per group', groupBy: ['region'], limit: 3 },
  { name: 'daily', groupBy: ['region'], limit: 3, window: 'DAY' },
  { name: 'by subject and region', groupBy: ['subject', 'region'], limit: 4, window: 'DAY' },
  {
    name: 'two dimensions, cumulative',
    groupBy: ['region', 'tier'],
    limit: 2,
    window: 'DAY',
    mode: { kind: 'cumulative' },
  },
  {
    name: 'rolling two days',
    groupBy: ['tier', 'region'],
    limit: 5,
    window: 'DAY',
    mode: { kind: 'rolling' },
  },
  { name: 'the missing tier in other', groupBy: ['tier'], limit: 1, window: 'DAY' },
  { name: 'a limit above the group count', groupBy: ['tier'], limit: 3, window: 'DAY' },
];

interface Row {
  windowStart: number;
  key: string;
  other: boolean;
  value: number;
}

interface WireRow {
  value: number;
  windowStart: string;
  subject: string | null;
  groupBy: Record<string, string | null>;
  other?: boolean;
}

const order = (a: Row, b: Row) =>
  a.windowStart - b.windowStart ||
  Number(a.other) - Number(b.other) ||
  (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The expected rows of `c` on a meter of `agg`, and the groups ranked (for the fixture checks). */
function expected(
  events: RefEvent[],
  agg: RefAgg,
  c: Case,
): { rows: Row[]; ranked: { key: Key; value: number }[] } {
  const meter = { aggregation: agg, valueKey: agg === 'UNIQUE_COUNT' ? 'u' : 'v', dims: DIMS };
  const keyOf = (e: RefEvent): string =>
    JSON.stringify(
      c.groupBy.map((g) =>
        g === 'subject' ? e.subject : ((e.data[g] as string | undefined) ?? null),
      ),
    );
  const ranked = referenceQuery(events, meter, {
    from: FROM,
    to: TO,
    zone: 'UTC',
    groupBy: c.groupBy,
  })
    .map((r) => ({ key: JSON.parse(r.key) as Key, value: r.value }))
    .sort(byRank);
  const q: RefQuery = { from: FROM, to: TO, zone: 'UTC', groupBy: c.groupBy };
  if (c.window) q.window = c.window;
  if (c.mode?.kind === 'cumulative') q.mode = { kind: 'cumulative', period: 'MONTH' };
  if (c.mode?.kind === 'rolling') q.mode = { kind: 'rolling', days: 2 };
  const plain = (evs: RefEvent[], other: boolean, groupBy: string[]): Row[] =>
    referenceQuery(evs, meter, { ...q, groupBy }).map((r) => ({
      windowStart: r.windowStart,
      key: other ? 'other' : r.key,
      other,
      value: r.value,
    }));
  if (ranked.length <= c.limit)
    return { rows: plain(events, false, c.groupBy).sort(order), ranked };
  const top = new Set(ranked.slice(0, c.limit).map((r) => JSON.stringify(r.key)));
  const rows = [
    ...plain(
      events.filter((e) => top.has(keyOf(e))),
      false,
      c.groupBy,
    ),
    ...plain(
      events.filter((e) => !top.has(keyOf(e))),
      true,
      [],
    ),
  ];
  return { rows: rows.sort(order), ranked };
}

function params(c: Case): URLSearchParams {
  const p = new URLSearchParams({
    from: new Date(FROM).toISOString(),
    to: new Date(TO).toISOString(),
    limit: String(c.limit),
  });
  for (const g of c.groupBy) p.append('groupBy', g);
  if (c.window) p.set('windowSize', c.window);
  if (c.mode?.kind === 'cumulative') p.set('aggregationMode', 'cumulative');
  if (c.mode?.kind === 'rolling') {
    p.set('aggregationMode', 'rolling');
    p.set('rollingSpan', 'P2D');
  }
  return p;
}

export function runGroupTailsCases(label: string, start: () => Promise<TestServer>): void {
  describe(`group-by tails over HTTP: ${label}`, () => {
    let server: TestServer;
    let key = '';
    const sent = allEvents();
    const refEvents = sent.map(toRef);

    const query = async (slug: string, p: URLSearchParams): Promise<WireRow[]> => {
      const res = await server.request(`/api/v1/meters/${slug}/query?${p}`, { key });
      expect(res.status, await res.clone().text()).toBe(200);
      return ((await res.json()) as { data: WireRow[] }).data;
    };

    beforeAll(async () => {
      server = await start();
      key = (await server.createAccount('tails')).secretKey;
      for (const agg of AGGS) {
        const body = {
          slug: `m_${agg.toLowerCase()}`,
          aggregation: agg,
          eventType: 'call',
          ...(agg === 'COUNT' ? {} : { valueProperty: agg === 'UNIQUE_COUNT' ? '$.u' : '$.v' }),
          groupBy: { region: '$.region', tier: '$.tier' },
        };
        const res = await server.request('/api/v1/meters', jsonInit(key, 'POST', body));
        expect(res.status, await res.clone().text()).toBe(201);
      }
      const res = await server.request('/api/v1/events', jsonInit(key, 'POST', sent));
      expect(res.status, await res.clone().text()).toBe(204);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
    });

    it('the fixture ranks a missing region and ties at the cut', () => {
      const { ranked } = expected(refEvents, 'SUM', CASES[0] as Case);
      // The greatest sum is the missing region's.
      expect(ranked[0]?.key).toEqual([null]);
      // The third and fourth regions tie: which one is "top" is the key's decision.
      expect(ranked[2]?.value).toBe(ranked[3]?.value);
      // Every case but the last has an "other" group.
      for (const c of CASES) {
        expect(
          expected(refEvents, 'SUM', c).rows.some((r) => r.other),
          c.name,
        ).toBe(c !== CASES[6]);
      }
      // The missing tier is not the greatest sum or count: its rows are "other".
      for (const agg of ['SUM', 'COUNT'] as const) {
        expect(expected(refEvents, agg, CASES[5] as Case).ranked[0]?.key, agg).not.toEqual([null]);
      }
      const tiers = expected(refEvents, 'COUNT', CASES[6] as Case).ranked;
      expect(tiers).toHaveLength(3);
    });

    for (const agg of AGGS) {
      it.each(CASES)(`${agg}: $name`, async (c) => {
        const want = expected(refEvents, agg, c).rows;
        const got = (await query(`m_${agg.toLowerCase()}`, params(c)))
          .map((r) => {
            const other = r.other === true;
            if (other) {
              // The other group has no group values, and says so in a field of its own.
              expect(r.subject).toBeNull();
              expect(Object.values(r.groupBy).every((v) => v === null)).toBe(true);
            } else expect(r).not.toHaveProperty('other');
            const key = JSON.stringify(
              c.groupBy.map((g) => (g === 'subject' ? r.subject : (r.groupBy[g] ?? null))),
            );
            return {
              windowStart: Date.parse(r.windowStart),
              key: other ? 'other' : key,
              other,
              value: r.value,
            };
          })
          .sort(order);
        expect(got.map(({ value: _, ...place }) => place)).toEqual(
          want.map(({ value: _, ...place }) => place),
        );
        got.forEach((g, i) => {
          const w = want[i]?.value ?? Number.NaN;
          expect(Math.abs(g.value - w), `${JSON.stringify(g)} vs ${w}`).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(w)),
          );
        });
        expect(got.some((r) => r.other)).toBe(want.some((r) => r.other));
      });
    }

    it('a NULL group stays a group, apart from "other"', async () => {
      const rows = await query('m_sum', params({ name: '', groupBy: ['region'], limit: 1 }));
      expect(rows.map((r) => [r.groupBy.region, r.other ?? false])).toEqual([
        [null, false],
        [null, true],
      ]);
    });

    it('refuses a limit without groupBy, and outside 1..1000', async () => {
      for (const extra of [
        'limit=3',
        'limit=0&groupBy=region',
        'limit=1001&groupBy=region',
        'limit=x&groupBy=region',
      ]) {
        const res = await server.request(`/api/v1/meters/m_sum/query?${extra}`, { key });
        expect(res.status, extra).toBe(400);
        const body = (await res.json()) as { invalidParameters?: { name?: string }[] } & Record<
          string,
          unknown
        >;
        expect(JSON.stringify(body), extra).toContain('limit');
      }
    });

    it('POST takes the limit too, and CSV marks the other rows in a column of their own', async () => {
      const res = await server.request(
        '/api/v1/meters/m_count/query',
        jsonInit(key, 'POST', {
          from: new Date(FROM).toISOString(),
          to: new Date(TO).toISOString(),
          groupBy: ['region'],
          limit: 2,
        }),
      );
      expect(res.status, await res.clone().text()).toBe(200);
      const rows = ((await res.json()) as { data: WireRow[] }).data;
      expect(rows).toHaveLength(3);
      const csv = await server.request(
        `/api/v1/meters/m_count/query?${params({ name: '', groupBy: ['region'], limit: 2 })}`,
        {
          key,
          headers: { accept: 'text/csv' },
        },
      );
      const lines = (await csv.text()).trim().split('\n');
      expect(lines[0]).toBe('windowStart,windowEnd,subject,region,value,other');
      expect(lines.filter((l) => l.endsWith(',true'))).toHaveLength(1);
    });
  });
}
