// The pure planner: windows laid out in the query's zone, the range and zone refused once, the cost
// bound, AUTO sizes and names resolved to storage slots. Expected instants are written by hand
// from the zone rules (the EU changes clocks at 01:00 UTC on the last Sundays of March and
// October), not read back from the code.
import { describe, expect, it } from 'vitest';
import { QueryTooExpensiveError, ValidationError } from '../errors/domain-errors.js';
import { parseZone } from '../lib/time/zone.js';
import type { MeterDefinition } from '../meter/meter-definition.js';
import { planUsage } from './planner.js';
import type { UsageQuery } from './usage-query.js';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

const meter: MeterDefinition = {
  id: 'm1',
  accountId: 'a1',
  slug: 'tokens',
  name: 'tokens',
  aggregation: 'SUM',
  eventType: 'completion',
  valueProperty: '$.tokens',
  dimensions: [
    ['region', '$.region'],
    ['model', '$.model'],
  ],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

function query(over: Partial<UsageQuery>): UsageQuery {
  return {
    meterSlug: 'tokens',
    from: at('2026-03-01T00:00:00Z'),
    to: at('2026-03-02T00:00:00Z'),
    timeZone: 'UTC',
    groupBy: [],
    subjects: [],
    filters: {},
    mode: { kind: 'incremental' },
    fillZero: false,
    ...over,
  };
}

function refusal(q: UsageQuery, maxCells?: number): unknown {
  try {
    planUsage(meter, q, undefined, maxCells);
  } catch (err) {
    return err;
  }
  throw new Error('the planner accepted the query');
}

function issuePaths(q: UsageQuery): string[] {
  const err = refusal(q);
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).issues.map((i) => i.path);
}

const spans = (plan: ReturnType<typeof planUsage>) =>
  plan.windows.map((w) => [new Date(w.start).toISOString(), new Date(w.end).toISOString()]);

describe('windows in a named zone across a change of clocks', () => {
  it('DAY windows in Europe/Berlin: 29 March 2026 is 23 hours long', () => {
    // Local midnights: 28 March at +01:00, 29 March at +01:00, 30 and 31 March at +02:00.
    const plan = planUsage(
      meter,
      query({
        from: at('2026-03-27T23:00:00Z'),
        to: at('2026-03-30T22:00:00Z'),
        windowSize: 'DAY',
        timeZone: 'Europe/Berlin',
      }),
    );
    expect(spans(plan)).toEqual([
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
    expect(plan.windows.map((w) => (w.end - w.start) / HOUR)).toEqual([24, 23, 24]);
    expect(plan.windowSize).toBe('DAY');
    expect(plan.firstOutput).toBe(0);
  });

  it('DAY windows in Europe/Berlin: 25 October 2026 is 25 hours long', () => {
    // Local midnights: 25 October at +02:00, 26 October at +01:00.
    const plan = planUsage(
      meter,
      query({
        from: at('2026-10-24T22:00:00Z'),
        to: at('2026-10-25T23:00:00Z'),
        windowSize: 'DAY',
        timeZone: 'Europe/Berlin',
      }),
    );
    expect(spans(plan)).toEqual([['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']]);
  });

  it('a range starting inside a window still gets that whole window, and outputs from it', () => {
    // 12:00 local on 29 March (CEST since 01:00 UTC) lies in the 23-hour day.
    const plan = planUsage(
      meter,
      query({
        from: at('2026-03-29T10:00:00Z'),
        to: at('2026-03-30T10:00:00Z'),
        windowSize: 'DAY',
        timeZone: 'Europe/Berlin',
      }),
    );
    expect(spans(plan)).toEqual([
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
    expect(plan.firstOutput).toBe(0);
    // The store reads the range asked for; only the windows extend past it.
    expect(plan.store.from).toBe(at('2026-03-29T10:00:00Z'));
  });

  it('a cumulative month reads from the local start of the month', () => {
    // 1 March 2026 00:00 in Berlin is 28 February 23:00 UTC.
    const plan = planUsage(
      meter,
      query({
        from: at('2026-03-28T23:00:00Z'),
        to: at('2026-03-29T22:00:00Z'),
        windowSize: 'DAY',
        timeZone: 'Europe/Berlin',
        mode: { kind: 'cumulative', period: 'MONTH' },
      }),
    );
    expect(plan.store.from).toBe(at('2026-02-28T23:00:00Z'));
    // 1..29 March: 29 day windows, and the output starts at the 29th.
    expect(plan.windows).toHaveLength(29);
    expect(plan.firstOutput).toBe(28);
    expect(plan.mode.kind).toBe('cumulative');
  });
});

describe('refusals', () => {
  it('from >= to is refused once, under "from"', () => {
    for (const [from, to] of [
      ['2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z'],
      ['2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'],
    ] as const) {
      const paths = issuePaths(query({ from: at(from), to: at(to), windowSize: 'HOUR' }));
      expect(paths).toEqual(['from']);
    }
  });

  it('an unknown zone given as text is refused once, under "windowTimeZone"', () => {
    for (const timeZone of ['Mars/Olympus', '+25:00', '']) {
      expect(issuePaths(query({ timeZone, windowSize: 'DAY' })), timeZone).toEqual([
        'windowTimeZone',
      ]);
    }
  });

  it('a zone already read is used as given, not read again from the text', () => {
    const zone = parseZone('Asia/Kathmandu');
    if (!zone) throw new Error('Asia/Kathmandu is a zone');
    // The text is only echoed; +05:45 puts local midnight of 1 March at 28 February 18:15 UTC.
    const plan = planUsage(
      meter,
      query({ timeZone: 'as written by the caller', zone, windowSize: 'DAY' }),
    );
    expect(spans(plan)[0]).toEqual(['2026-02-28T18:15:00.000Z', '2026-03-01T18:15:00.000Z']);
  });

  it('more windows than the cell budget are refused before they are laid out', () => {
    // One day of minutes is 1440 windows.
    const day = query({ windowSize: 'MINUTE' });
    expect(refusal(day, 1439)).toBeInstanceOf(QueryTooExpensiveError);
    expect(planUsage(meter, day, undefined, 1440).windows).toHaveLength(1440);
  });

  it('unknown dimensions in groupBy and filters are named, all in one refusal', () => {
    expect(
      issuePaths(query({ groupBy: ['region', 'colour'], filters: { size: { $eq: 'xl' } } })),
    ).toEqual(['groupBy', 'filter.size']);
  });
});

describe('AUTO window size', () => {
  it('the default policy: minutes up to two hours, hours up to two days, then days, then months', () => {
    const from = at('2026-03-01T00:00:00Z');
    for (const [hours, size] of [
      [2, 'MINUTE'],
      [3, 'HOUR'],
      [48, 'HOUR'],
      [49, 'DAY'],
      [366 * 24, 'DAY'],
      [367 * 24, 'MONTH'],
    ] as const) {
      const plan = planUsage(meter, query({ from, to: from + hours * HOUR, windowSize: 'AUTO' }));
      expect(plan.windowSize, `${hours} h`).toBe(size);
    }
  });

  it('a policy given with the query is applied instead', () => {
    const plan = planUsage(
      meter,
      query({
        windowSize: 'AUTO',
        autoWindow: { steps: [{ upToMs: 12 * HOUR, windowSize: 'HOUR' }], otherwise: 'WEEK' },
      }),
    );
    // One day is longer than 12 hours: WEEK, and 1 March 2026 is a Sunday, in the week of 23 Feb.
    expect(plan.windowSize).toBe('WEEK');
    expect(spans(plan)).toEqual([['2026-02-23T00:00:00.000Z', '2026-03-02T00:00:00.000Z']]);
  });
});

describe('names resolved to storage', () => {
  it('groupBy names become subject or dimension slots, in the order asked', () => {
    const plan = planUsage(meter, query({ groupBy: ['model', 'subject', 'region'] }));
    expect(plan.store.groupBy).toEqual([
      { kind: 'dim', slot: 1 },
      { kind: 'subject' },
      { kind: 'dim', slot: 0 },
    ]);
    expect(plan.keyNames).toEqual(['model', 'subject', 'region']);
    expect(plan.windowed).toBe(false);
    expect(plan.store.bucket).toEqual({ kind: 'all' });
  });

  it('subjects, the bound subject and dimension filters are ANDed, each on its slot', () => {
    const plan = planUsage(
      meter,
      query({
        subjects: ['acme', 'globex'],
        filters: { model: { $in: ['small', 'large'] }, subject: { $ne: 'initech' } },
      }),
      'acme',
    );
    expect(plan.store.filter).toEqual({
      op: 'and',
      children: [
        { op: 'in', dim: { kind: 'subject' }, values: ['acme', 'globex'] },
        { op: 'eq', dim: { kind: 'subject' }, value: 'acme' },
        { op: 'in', dim: { kind: 'dim', slot: 1 }, values: ['small', 'large'] },
        { op: 'ne', dim: { kind: 'subject' }, value: 'initech' },
      ],
    });
  });

  it('one filter alone is not wrapped, and no filter is none', () => {
    expect(planUsage(meter, query({ filters: { region: { $eq: 'eu' } } })).store.filter).toEqual({
      op: 'eq',
      dim: { kind: 'dim', slot: 0 },
      value: 'eu',
    });
    expect(planUsage(meter, query({})).store.filter).toBeUndefined();
  });
});
