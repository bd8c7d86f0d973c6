// The one behaviour suite every store passes: the same events in, the same numbers out, for every
// query shape. Expected numbers come from the brute-force reference model, never from the engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aggregation } from '../../src/contract/vocabulary.js';
import { CorrectionService } from '../../src/correction/correction-service.js';
import { ValidationError } from '../../src/errors/domain-errors.js';
import type { UsageQuery, UsageRow, WindowSize } from '../../src/query/usage-query.js';
import type { Store } from '../../src/store/ports.js';
import { type Domain, domainOver } from './domain.js';
import { fixtureEvents, SUBJECTS } from './fixtures.js';
import { type RefEvent, type RefQuery, type RefRow, referenceQuery } from './reference-model.js';

export interface StoreFactory {
  /** A fresh, empty store. */
  open: () => Promise<Store>;
  /** The same store's data opened again (after close), if the store can do that. */
  reopen?: (previous: Store) => Promise<Store>;
  /** False where the engine cannot read JSON at query time (ClickHouse 18.16): the store must say
   * so (readsRawEvents), and an ad-hoc meter no stored meter matches is refused with a clear
   * validation error; those a stored meter matches are answered everywhere. Default true. */
  rawEventQueries?: boolean;
  /** Runs once the suite's events and meters are stored (e.g. moves closed months to archives). */
  settle?: (store: Store) => Promise<void>;
}

const DIMS = { model: '$.model', region: '$.region' };
const AGGS: Aggregation[] = ['SUM', 'COUNT', 'UNIQUE_COUNT', 'AVG', 'MIN', 'MAX', 'LATEST'];
const RANGE_A: [number, number] = [
  Date.parse('2024-02-25T00:00:00Z'),
  Date.parse('2024-04-05T00:00:00Z'),
];
const RANGE_B: [number, number] = [
  Date.parse('2024-10-25T00:00:00Z'),
  Date.parse('2024-11-08T00:00:00Z'),
];

function toCloudEvents(events: RefEvent[], prefix: string) {
  return events.map((e, i) => ({
    value: {
      id: `${prefix}-${i}`,
      source: 'behaviour',
      specversion: '1.0',
      type: 'usage',
      subject: e.subject,
      time: new Date(e.time).toISOString(),
      data: e.data,
    },
  }));
}

function engineRows(rows: UsageRow[], groupBy: string[]): RefRow[] {
  return rows.map((r) => ({
    windowStart: r.windowStart,
    windowEnd: r.windowEnd,
    key: JSON.stringify(groupBy.map((g) => (g === 'subject' ? r.subject : (r.groupBy[g] ?? null)))),
    value: r.value,
  }));
}

const byWindowThenKey = (a: RefRow, b: RefRow) =>
  a.windowStart - b.windowStart || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function expectSameRows(got: RefRow[], expected: RefRow[]): void {
  expect(expected.length, 'the reference expects rows for this query').toBeGreaterThan(0);
  const actual = [...got].sort(byWindowThenKey);
  expect(actual.map(({ value, ...rest }) => rest)).toEqual(
    expected.map(({ value, ...rest }) => rest),
  );
  for (const [i, row] of actual.entries()) {
    expect(row.value).toBeCloseTo((expected[i] as RefRow).value, 6);
  }
}

function query(slug: string, rq: RefQuery, extra: Partial<UsageQuery> = {}): UsageQuery {
  const q: UsageQuery = {
    meterSlug: slug,
    from: rq.from,
    to: rq.to,
    timeZone: rq.zone,
    groupBy: rq.groupBy,
    subjects: [],
    filters: {},
    mode: { kind: 'incremental' },
    fillZero: false,
    ...extra,
  };
  if (rq.window) q.windowSize = rq.window as WindowSize;
  if (rq.mode?.kind === 'cumulative') q.mode = { kind: 'cumulative', period: rq.mode.period };
  if (rq.mode?.kind === 'rolling')
    q.mode = { kind: 'rolling', span: { unit: 'DAY', count: rq.mode.days } };
  return q;
}

export function runStoreBehaviour(label: string, factory: StoreFactory): void {
  describe(`store behaviour: ${label}`, () => {
    let d: Domain;
    let account: string;
    const events = fixtureEvents();
    const meterOf = (agg: Aggregation) => ({
      aggregation: agg,
      ...(agg === 'COUNT' ? {} : { valueKey: agg === 'UNIQUE_COUNT' ? 'user' : 'amount' }),
      dims: { model: 'model', region: 'region' },
    });

    // The corrections test's own account and events, stored before `settle` (which may archive them).
    let corrAccount = '';
    const day0 = Date.parse('2024-08-05T00:00:00Z');
    const DAY = 86_400_000;
    type Ev = {
      id: string;
      time: number;
      subject: string;
      amount: number;
      user: string;
      region: string;
    };
    const corrSent: Ev[] = Array.from({ length: 30 }, (_, i) => ({
      id: `c${i}`,
      time: day0 + (i % 3) * DAY + i * 60_000,
      subject: `s${i % 2}`,
      amount: 1 + ((i * 7) % 11),
      user: `u${i % 4}`,
      region: i % 5 === 0 ? 'eu' : 'us',
    }));
    const cloud = (e: Ev) => ({
      id: e.id,
      source: 'corr',
      specversion: '1.0',
      type: 'corr',
      subject: e.subject,
      time: new Date(e.time).toISOString(),
      data: { amount: e.amount, user: e.user, region: e.region },
    });
    beforeAll(async () => {
      d = domainOver(await factory.open());
      account = (await d.keys.createAccount('behaviour')).id;
      // Half the events arrive before the meters exist (backfill), half after (ingest extraction),
      // in shuffled order (late events).
      const half = Math.floor(events.length / 2);
      const first = toCloudEvents(events.slice(0, half), 'e');
      await d.ingest.ingest(account, first);
      for (const agg of AGGS) {
        await d.meters.create(account, {
          slug: `m_${agg.toLowerCase()}`,
          aggregation: agg,
          eventType: 'usage',
          ...(agg === 'COUNT'
            ? {}
            : { valueProperty: agg === 'UNIQUE_COUNT' ? '$.user' : '$.amount' }),
          groupBy: DIMS,
        });
      }
      const rest = toCloudEvents(events.slice(half), 'e').map((c, i) => ({
        value: { ...(c.value as object), id: `e-${half + i}` },
      }));
      rest.reverse();
      for (let i = 0; i < rest.length; i += 500)
        await d.ingest.ingest(account, rest.slice(i, i + 500));
      corrAccount = (await d.keys.createAccount('corrections')).id;
      await d.ingest.ingest(
        corrAccount,
        corrSent.map((e) => ({ value: cloud(e) })),
      );
      await factory.settle?.(d.store);
      // No bound of its own: each store's config sets it (the replicated ClickHouse cluster needs
      // more than two minutes for this setup when another process holds the cores).
    });

    afterAll(async () => {
      await d.store.close();
    });

    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', '+05:30', '+05:45'];
    const windows: (RefQuery['window'] | undefined)[] = [
      undefined,
      'FIFTEEN_MINUTES',
      'HOUR',
      'DAY',
      'WEEK',
      'MONTH',
    ];
    const groupBys = [[], ['model'], ['subject', 'region']];

    for (const zone of zones) {
      for (const window of windows) {
        it(`SUM and UNIQUE_COUNT in ${zone} by ${window ?? 'total'} with every group-by`, async () => {
          for (const agg of ['SUM', 'UNIQUE_COUNT'] as const) {
            for (const [from, to] of [RANGE_A, RANGE_B]) {
              for (const groupBy of groupBys) {
                const rq: RefQuery = { from, to, zone, groupBy, ...(window ? { window } : {}) };
                const got = await d.usage.query(account, query(`m_${agg.toLowerCase()}`, rq));
                expectSameRows(
                  engineRows(got.rows, groupBy),
                  referenceQuery(events, meterOf(agg), rq),
                );
              }
            }
          }
        });
      }
    }

    for (const agg of AGGS) {
      it(`${agg} by day in America/New_York and by month in +05:45, grouped and filtered`, async () => {
        for (const [zone, window] of [
          ['America/New_York', 'DAY'],
          ['+05:45', 'MONTH'],
          ['Europe/Berlin', 'HOUR'],
        ] as const) {
          const rq: RefQuery = {
            from: RANGE_A[0],
            to: RANGE_A[1],
            zone,
            window,
            groupBy: ['region'],
          };
          const got = await d.usage.query(account, query(`m_${agg.toLowerCase()}`, rq));
          expectSameRows(
            engineRows(got.rows, ['region']),
            referenceQuery(events, meterOf(agg), rq),
          );
        }
        const filtered: RefQuery = {
          from: RANGE_A[0],
          to: RANGE_B[1],
          zone: 'UTC',
          window: 'WEEK',
          groupBy: ['subject'],
          filter: (e) =>
            ['gpt-4', 'claude'].includes(String(e.data.model)) && e.subject !== 'cust-b',
        };
        const got = await d.usage.query(
          account,
          query(`m_${agg.toLowerCase()}`, filtered, {
            filters: { model: { $in: ['gpt-4', 'claude'] }, subject: { $ne: 'cust-b' } },
          }),
        );
        expectSameRows(
          engineRows(got.rows, ['subject']),
          referenceQuery(events, meterOf(agg), filtered),
        );
      });
    }

    // Ad-hoc meters: the same numbers whether a stored meter's rows answer (same shape, a
    // dimension renamed) or the raw events do (a dimension no meter has, or another eventFrom).
    const inlineOf = (agg: Aggregation, groupBy: Record<string, string>, eventFrom?: string) => ({
      aggregation: agg,
      eventType: 'usage',
      ...(agg === 'COUNT' ? {} : { valueProperty: agg === 'UNIQUE_COUNT' ? '$.user' : '$.amount' }),
      groupBy,
      ...(eventFrom ? { eventFrom } : {}),
    });
    const refInline = (agg: Aggregation) => ({
      ...meterOf(agg),
      dims: { model: 'model', tier: 'region', who: 'user' },
    });

    const readsRaw = factory.rawEventQueries ?? true;
    /** On a store without raw reads, the clear refusal instead of numbers. */
    const expectRawRefused = async (run: Promise<unknown>) => {
      const err = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect(String((err as Error).message)).toMatch(/cannot read fields from raw events/);
    };

    it('says whether it reads ad-hoc meters from raw events', () => {
      expect(d.store.readsRawEvents).toBe(readsRaw);
    });

    for (const agg of AGGS) {
      it(`${agg} as an ad-hoc meter: from raw events and from a matching stored meter`, async () => {
        const raw: RefQuery = {
          from: RANGE_A[0],
          to: RANGE_A[1],
          zone: 'America/New_York',
          window: 'DAY',
          groupBy: ['model', 'who'],
        };
        const inlineRaw = inlineOf(agg, { model: '$.model', who: '$.user' });
        const rawQuery = d.usage.query(account, { ...query('adhoc', raw), inlineMeter: inlineRaw });
        if (readsRaw) {
          expectSameRows(
            engineRows((await rawQuery).rows, raw.groupBy),
            referenceQuery(events, refInline(agg), raw),
          );
        } else {
          await expectRawRefused(rawQuery);
        }

        // A subject-bound reader sees only its subject, on the raw path too.
        const bound: RefQuery = {
          ...raw,
          window: 'WEEK',
          filter: (e) => e.subject === "o'brien",
        };
        const boundQuery = d.usage.query(
          account,
          { ...query('adhoc', bound), inlineMeter: inlineRaw },
          "o'brien",
        );
        if (readsRaw) {
          expectSameRows(
            engineRows((await boundQuery).rows, bound.groupBy),
            referenceQuery(events, refInline(agg), bound),
          );
        } else {
          await expectRawRefused(boundQuery);
        }

        const stored: RefQuery = {
          from: RANGE_B[0],
          to: RANGE_B[1],
          zone: '+05:45',
          window: 'DAY',
          groupBy: ['tier', 'subject'],
        };
        // Without an eventFrom a stored meter matches; with another one only raw events answer.
        for (const eventFrom of [undefined, '2024-01-01T00:00:00Z']) {
          const storedQuery = d.usage.query(account, {
            ...query('adhoc', stored),
            inlineMeter: inlineOf(agg, { tier: '$.region' }, eventFrom),
          });
          if (!readsRaw && eventFrom) {
            await expectRawRefused(storedQuery);
            continue;
          }
          const gotStored = await storedQuery;
          expectSameRows(
            engineRows(gotStored.rows, stored.groupBy),
            referenceQuery(events, refInline(agg), stored),
          );
        }
      });
    }

    it.skipIf(!readsRaw)(
      'ad-hoc unique counts month to date and rolling, from raw events',
      async () => {
        const inline = inlineOf('UNIQUE_COUNT', { tier: '$.region' }, '2024-01-01T00:00:00Z');
        for (const mode of [
          { kind: 'cumulative', period: 'MONTH' },
          { kind: 'rolling', days: 30 },
        ] as const) {
          const rq: RefQuery = {
            from: RANGE_A[0],
            to: RANGE_A[1],
            zone: 'America/New_York',
            window: 'DAY',
            groupBy: ['tier'],
            mode,
          };
          const got = await d.usage.query(account, { ...query('adhoc', rq), inlineMeter: inline });
          expectSameRows(
            engineRows(got.rows, ['tier']),
            referenceQuery(events, refInline('UNIQUE_COUNT'), rq),
          );
        }
      },
    );

    it('filters with several subjects, like, and/or operators', async () => {
      const rq: RefQuery = {
        from: RANGE_A[0],
        to: RANGE_A[1],
        zone: 'Europe/Berlin',
        window: 'DAY',
        groupBy: ['model'],
        filter: (e) =>
          ['cust-a', "o'brien"].includes(e.subject) &&
          (String(e.data.model ?? '').startsWith('gpt') || e.data.region === 'in'),
      };
      const got = await d.usage.query(
        account,
        query('m_sum', rq, {
          subjects: ['cust-a', "o'brien"],
          filters: { model: { $or: [{ $like: 'gpt%' }] } },
        }),
      );
      // The $or above only covers the model side; check the pure-model filter against the reference.
      const rqModel: RefQuery = {
        ...rq,
        filter: (e) =>
          ['cust-a', "o'brien"].includes(e.subject) && String(e.data.model ?? '').startsWith('gpt'),
      };
      expectSameRows(
        engineRows(got.rows, ['model']),
        referenceQuery(events, meterOf('SUM'), rqModel),
      );
      // Confined to the named subjects only, in total and per subject (a store may keep rows per
      // subject for these).
      for (const groupBy of [[], ['subject']]) {
        const rs: RefQuery = {
          ...rq,
          groupBy,
          filter: (e) => ['cust-a', "o'brien"].includes(e.subject),
        };
        const bySubject = await d.usage.query(
          account,
          query('m_sum', rs, { subjects: ['cust-a', "o'brien"] }),
        );
        expectSameRows(
          engineRows(bySubject.rows, groupBy),
          referenceQuery(events, meterOf('SUM'), rs),
        );
      }
    });

    it('month-to-date and rolling 30-day exact unique counts (and sums), daily points', async () => {
      for (const agg of ['UNIQUE_COUNT', 'SUM'] as const) {
        // In UTC, ungrouped unique counts may come from per-day pre-aggregates (embedded store).
        for (const zone of ['UTC', 'America/New_York', '+05:30']) {
          for (const groupBy of [[], ['region']]) {
            const mtd: RefQuery = {
              from: RANGE_A[0],
              to: RANGE_A[1],
              zone,
              window: 'DAY',
              groupBy,
              mode: { kind: 'cumulative', period: 'MONTH' },
            };
            const got = await d.usage.query(account, query(`m_${agg.toLowerCase()}`, mtd));
            expectSameRows(
              engineRows(got.rows, groupBy),
              referenceQuery(events, meterOf(agg), mtd),
            );
          }
          const rolling: RefQuery = {
            from: RANGE_A[0],
            to: RANGE_A[1],
            zone,
            window: 'DAY',
            groupBy: [],
            mode: { kind: 'rolling', days: 30 },
          };
          const got2 = await d.usage.query(account, query(`m_${agg.toLowerCase()}`, rolling));
          expectSameRows(engineRows(got2.rows, []), referenceQuery(events, meterOf(agg), rolling));
        }
      }
    });

    it('calendar facts: DST day lengths and offset-zone midnights', async () => {
      const day = async (zone: string, from: string, to: string) =>
        (
          await d.usage.query(
            account,
            query(
              'm_count',
              { from: Date.parse(from), to: Date.parse(to), zone, window: 'DAY', groupBy: [] },
              { fillZero: true },
            ),
          )
        ).rows.map((r) => [
          new Date(r.windowStart).toISOString(),
          (r.windowEnd - r.windowStart) / 3_600_000,
        ]);
      expect(await day('America/New_York', '2024-03-10T05:00:00Z', '2024-03-11T04:00:00Z')).toEqual(
        [['2024-03-10T05:00:00.000Z', 23]],
      );
      expect(await day('America/New_York', '2024-11-03T04:00:00Z', '2024-11-04T05:00:00Z')).toEqual(
        [['2024-11-03T04:00:00.000Z', 25]],
      );
      expect(await day('Europe/Berlin', '2024-03-30T23:00:00Z', '2024-03-31T22:00:00Z')).toEqual([
        ['2024-03-30T23:00:00.000Z', 23],
      ]);
      expect(await day('+05:45', '2024-03-31T18:15:00Z', '2024-04-01T18:15:00Z')).toEqual([
        ['2024-03-31T18:15:00.000Z', 24],
      ]);
      const hours = await d.usage.query(
        account,
        query(
          'm_count',
          {
            from: Date.parse('2024-11-03T04:00:00Z'),
            to: Date.parse('2024-11-03T08:00:00Z'),
            zone: 'America/New_York',
            window: 'HOUR',
            groupBy: [],
          },
          { fillZero: true },
        ),
      );
      // The repeated 01:00 hour on the fall-back day is two windows.
      expect(hours.rows.map((r) => new Date(r.windowStart).toISOString())).toEqual([
        '2024-11-03T04:00:00.000Z',
        '2024-11-03T05:00:00.000Z',
        '2024-11-03T06:00:00.000Z',
        '2024-11-03T07:00:00.000Z',
      ]);
    });

    it('zero filling gives a dense series', async () => {
      const got = await d.usage.query(
        account,
        query(
          'm_sum',
          {
            from: Date.parse('2024-01-01T00:00:00Z'),
            to: Date.parse('2024-01-04T00:00:00Z'),
            zone: 'UTC',
            window: 'DAY',
            groupBy: [],
          },
          { fillZero: true },
        ),
      );
      expect(got.rows.map((r) => r.value)).toEqual([0, 0, 0]);
    });

    it('duplicates never count twice: in a batch, across batches, across accounts kept apart', async () => {
      const other = (await d.keys.createAccount('other')).id;
      const ev = (id: string, amount: number) => ({
        value: {
          id,
          source: 'dup',
          specversion: '1.0',
          type: 'usage',
          subject: 'dup-subject',
          time: '2024-06-01T10:00:00Z',
          data: { amount, user: 'x', region: 'us' },
        },
      });
      const s1 = await d.ingest.ingest(account, [ev('d1', 5), ev('d1', 5), ev('d2', 7)]);
      expect(s1).toMatchObject({ accepted: 2, duplicates: 1 });
      const s2 = await d.ingest.ingest(account, [ev('d1', 5), ev('d3', 11)]);
      expect(s2).toMatchObject({ accepted: 1, duplicates: 1 });
      // The same identity in another account is another event, and invisible here.
      await d.meters.create(other, {
        slug: 'm_sum',
        aggregation: 'SUM',
        eventType: 'usage',
        valueProperty: '$.amount',
      });
      expect(await d.ingest.ingest(other, [ev('d1', 1000)])).toMatchObject({
        accepted: 1,
        duplicates: 0,
      });
      const q = query('m_sum', {
        from: Date.parse('2024-06-01T00:00:00Z'),
        to: Date.parse('2024-06-02T00:00:00Z'),
        zone: 'UTC',
        groupBy: [],
      });
      expect((await d.usage.query(account, q)).rows.map((r) => r.value)).toEqual([5 + 7 + 11]);
      expect((await d.usage.query(other, q)).rows.map((r) => r.value)).toEqual([1000]);
    });

    it('a meter edit of groupBy applies to old events; distinct values and subjects', async () => {
      await d.meters.create(account, {
        slug: 'm_edit',
        aggregation: 'COUNT',
        eventType: 'usage',
        groupBy: { model: '$.model' },
      });
      await d.meters.update(account, 'm_edit', { groupBy: { region: '$.region' } });
      const rq: RefQuery = { from: RANGE_A[0], to: RANGE_A[1], zone: 'UTC', groupBy: ['region'] };
      const got = await d.usage.query(account, query('m_edit', rq));
      expectSameRows(
        engineRows(got.rows, ['region']),
        referenceQuery(events, meterOf('COUNT'), rq),
      );
      const subjects = await d.usage.distinctValues(
        account,
        'm_sum',
        'subject',
        RANGE_A[0],
        RANGE_A[1],
      );
      expect(subjects).toEqual(
        [
          ...new Set(
            events.filter((e) => e.time >= RANGE_A[0] && e.time < RANGE_A[1]).map((e) => e.subject),
          ),
        ].sort(),
      );
      const regions = await d.usage.distinctValues(
        account,
        'm_sum',
        'region',
        RANGE_A[0],
        RANGE_A[1],
        'cust-b',
      );
      expect(regions).toEqual(
        [
          ...new Set(
            events
              .filter((e) => e.subject === 'cust-b' && e.time >= RANGE_A[0] && e.time < RANGE_A[1])
              .map((e) => String(e.data.region)),
          ),
        ].sort(),
      );
    });

    it('estimates the distinct groups of a range, NULL keys included, within a few per cent', async () => {
      const meter = await d.meters.get(account, 'm_sum');
      const region = meter.dimensions.findIndex(([n]) => n === 'region');
      const inRange = events.filter((e) => e.time >= RANGE_A[0] && e.time < RANGE_A[1]);
      const groups = (list: typeof events) =>
        new Set(list.map((e) => JSON.stringify([e.subject, e.data.region ?? null]))).size;
      const base = { accountId: account, meterId: meter.id, from: RANGE_A[0], to: RANGE_A[1] };
      const near = (got: number, want: number) => {
        expect(want).toBeGreaterThan(1);
        expect(Math.abs(got - want), `estimated ${got}, exactly ${want}`).toBeLessThanOrEqual(
          Math.max(1, want * 0.1),
        );
      };
      near(
        await d.store.estimateGroups({
          ...base,
          groupBy: [{ kind: 'subject' }, { kind: 'dim', slot: region }],
        }),
        groups(inRange),
      );
      near(
        await d.store.estimateGroups({
          ...base,
          groupBy: [{ kind: 'subject' }, { kind: 'dim', slot: region }],
          filter: { op: 'eq', dim: { kind: 'subject' }, value: 'cust-b' },
        }),
        groups(inRange.filter((e) => e.subject === 'cust-b')),
      );
      expect(await d.store.estimateGroups({ ...base, groupBy: [] })).toBe(1);
    });

    it('hostile strings are data, not SQL', async () => {
      const hostile = [
        "'; DROP TABLE events; --",
        'a\\b\'c"d',
        'nul\u0000byte',
        'emoji \u{1F600} \u00e9',
        '%_like_%',
      ];
      await d.meters.create(account, {
        slug: 'm_hostile',
        aggregation: 'COUNT',
        eventType: 'hostile',
        groupBy: { tag: '$.tag' },
      });
      await d.ingest.ingest(
        account,
        hostile.map((h, i) => ({
          value: {
            id: `${h}-${i}`,
            source: h,
            specversion: '1.0',
            type: 'hostile',
            subject: h,
            time: '2024-07-01T00:00:00Z',
            data: { tag: h },
          },
        })),
      );
      const range = {
        from: Date.parse('2024-07-01T00:00:00Z'),
        to: Date.parse('2024-07-02T00:00:00Z'),
        zone: 'UTC',
        groupBy: ['subject', 'tag'],
      };
      const all = await d.usage.query(account, query('m_hostile', range));
      expect(all.rows.map((r) => [r.subject, r.groupBy.tag, r.value]).sort()).toEqual(
        hostile.map((h) => [h, h, 1]).sort(),
      );
      for (const h of hostile) {
        const one = await d.usage.query(
          account,
          query('m_hostile', range, { subjects: [h], filters: { tag: { $eq: h } } }),
        );
        expect(one.rows.map((r) => r.subject)).toEqual([h]);
      }
      expect((await d.store.stats()).events).toBeGreaterThan(events.length);
    });

    it('corrections: a void and a replacement change exactly their windows; asOf before them reads the old numbers', async () => {
      const acc = corrAccount;
      const corrections = new CorrectionService(d.store, d.meters);
      const by = { accountId: acc, keyId: 'key-1' };
      for (const [slug, aggregation] of [
        ['c_sum', 'SUM'],
        ['c_max', 'MAX'],
        ['c_users', 'UNIQUE_COUNT'],
      ] as const) {
        await d.meters.create(acc, {
          slug,
          aggregation,
          eventType: 'corr',
          valueProperty: aggregation === 'UNIQUE_COUNT' ? '$.user' : '$.amount',
          groupBy: { region: '$.region' },
        });
      }
      const sent = corrSent;
      const range: RefQuery = {
        from: day0,
        to: day0 + 3 * DAY,
        zone: 'UTC',
        window: 'DAY',
        groupBy: ['region'],
      };
      const read = async (slug: string, asOf?: number) =>
        (await d.usage.query(acc, query(slug, range, asOf === undefined ? {} : { asOf }))).rows
          .map((r) => `${r.windowStart} ${r.groupBy.region} ${r.value}`)
          .sort();
      /** The reference: per day and region, SUM and MAX of amount and distinct users. */
      const expected = (evs: Ev[], agg: 'SUM' | 'MAX' | 'UNIQUE_COUNT') => {
        const groups = new Map<string, Ev[]>();
        for (const e of evs) {
          const k = `${Math.floor(e.time / DAY) * DAY} ${e.region}`;
          groups.set(k, [...(groups.get(k) ?? []), e]);
        }
        return [...groups]
          .map(([k, es]) => {
            const v =
              agg === 'SUM'
                ? es.reduce((a, e) => a + e.amount, 0)
                : agg === 'MAX'
                  ? Math.max(...es.map((e) => e.amount))
                  : new Set(es.map((e) => e.user)).size;
            return `${k} ${v}`;
          })
          .sort();
      };
      const check = async (evs: Ev[], asOf?: number) => {
        expect(await read('c_sum', asOf)).toEqual(expected(evs, 'SUM'));
        expect(await read('c_max', asOf)).toEqual(expected(evs, 'MAX'));
        expect(await read('c_users', asOf)).toEqual(expected(evs, 'UNIQUE_COUNT'));
      };
      await check(sent);
      const before = Date.now();
      while (Date.now() <= before) await new Promise((r) => setImmediate(r));
      // The largest amount of day 1 in "us": MAX changes only if it was the only one that large.
      const voided = sent[10] as Ev;
      await corrections.voidEvent(by, 'corr', voided.id);
      const afterVoid = sent.filter((e) => e !== voided);
      await check(afterVoid);
      const between = Date.now();
      while (Date.now() <= between) await new Promise((r) => setImmediate(r));
      const old = sent[4] as Ev;
      const moved: Ev = {
        ...old,
        time: day0 + 2 * DAY + 1,
        amount: 500,
        user: 'u-new',
        region: 'ap',
      };
      await corrections.replaceEvent(by, cloud(moved));
      const now = [...afterVoid.filter((e) => e !== old), moved];
      await check(now);
      // A process that stops after storing the voids and before rebuilding the meters: the next
      // start finishes the correction.
      const stopping = Object.create(d.meters, {
        rebuild: { value: () => Promise.reject(new Error('stopped')) },
      }) as typeof d.meters;
      const third = sent[20] as Ev;
      await expect(
        new CorrectionService(d.store, stopping).voidEvent(by, 'corr', third.id),
      ).rejects.toThrow('stopped');
      expect((await corrections.list(acc))[0]).toMatchObject({ kind: 'void', status: 'applying' });
      expect(await new CorrectionService(d.store, d.meters).resume()).toBe(1);
      const final = now.filter((e) => e !== third);
      await check(final);
      expect((await corrections.list(acc)).map((c) => [c.kind, c.events, c.status])).toEqual([
        ['void', 1, 'applied'],
        ['replace', 1, 'applied'],
        ['void', 1, 'applied'],
      ]);
      if (factory.rawEventQueries !== false) {
        await check(sent, before);
        await check(afterVoid, between);
      }
    });

    it('keeps records: a put replaces, a delete removes, listed by id, accounts and collections apart', async () => {
      const other = (await d.keys.createAccount('records-other')).id;
      const put = (accountId: string, id: string, body: object) =>
        d.store.putRecord({ collection: 'customers', accountId, id, body: JSON.stringify(body) });
      await put(account, 'c2', { n: 1 });
      await put(account, 'c1', { n: "it's; DROP TABLE records --" });
      await put(account, 'c2', { n: 2 });
      await put(other, 'c1', { n: 3 });
      await d.store.putRecord({
        collection: 'audit_log',
        accountId: account,
        id: 'a1',
        body: '{}',
      });
      const list = await d.store.listRecords('customers', account);
      expect(list.map((r) => [r.id, JSON.parse(r.body).n])).toEqual([
        ['c1', "it's; DROP TABLE records --"],
        ['c2', 2],
      ]);
      expect(JSON.parse((await d.store.getRecord('customers', other, 'c1'))?.body ?? '')).toEqual({
        n: 3,
      });
      await d.store.deleteRecord('customers', account, 'c2');
      expect(await d.store.getRecord('customers', account, 'c2')).toBeUndefined();
      expect((await d.store.listRecords('customers', account)).map((r) => r.id)).toEqual(['c1']);
      expect((await d.store.listRecords('audit_log', account)).map((r) => r.id)).toEqual(['a1']);
      await put(account, 'c2', { n: 4 });
      expect(JSON.parse((await d.store.getRecord('customers', account, 'c2'))?.body ?? '')).toEqual(
        {
          n: 4,
        },
      );
    });

    if (factory.reopen) {
      it('acknowledged events and dedupe state survive a restart; closed periods read the same', async () => {
        const q = query('m_unique_count', {
          from: RANGE_A[0],
          to: RANGE_A[1],
          zone: 'Europe/Berlin',
          window: 'MONTH',
          groupBy: ['subject'],
        });
        const before = await d.usage.query(account, q);
        const reopened = await factory.reopen?.(d.store);
        if (!reopened) throw new Error('reopen returned nothing');
        d = domainOver(reopened);
        expect(await d.usage.query(account, q)).toEqual(before);
        const again = toCloudEvents(events.slice(0, 50), 'e');
        expect(await d.ingest.ingest(account, again)).toMatchObject({
          accepted: 0,
          duplicates: 50,
        });
        expect(SUBJECTS.length).toBeGreaterThan(0);
        expect((await d.store.listRecords('customers', account)).map((r) => r.id)).toEqual([
          'c1',
          'c2',
        ]);
      });
    }
  });
}
