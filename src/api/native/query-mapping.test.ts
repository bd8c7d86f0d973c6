// The native query contract parses each parameter to its domain value once; the mapping only
// combines them. Expectations are written from the grammar, not read back from the code.
import { describe, expect, it } from 'vitest';
import { MeterQueryParamsSchema, MeterQueryRequestSchema } from '../../contract/meter-query.js';
import { ValidationError } from '../../errors/domain-errors.js';
import type { MeterDefinition } from '../../meter/meter-definition.js';
import { planUsage } from '../../query/planner.js';
import { toUsageQuery } from './query-mapping.js';

const NOW = Date.UTC(2024, 5, 15, 12);
const DAY = 86_400_000;

const meter: MeterDefinition = {
  id: 'm1',
  accountId: 'a1',
  slug: 'calls',
  name: 'calls',
  aggregation: 'COUNT',
  eventType: 'call',
  dimensions: [],
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-01-01T00:00:00Z',
};

function mapped(params: Record<string, string>, now = NOW) {
  const parsed = MeterQueryParamsSchema.safeParse(params);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  // The route parses advancedMeterGroupByFilters (JSON text on a GET) separately; none here.
  const { advancedMeterGroupByFilters: _, ...input } = parsed.data;
  return toUsageQuery('calls', input, now);
}

function issuePaths(params: Record<string, string>): string[] {
  const parsed = MeterQueryParamsSchema.safeParse(params);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
}

describe('native query contract', () => {
  it('parses both spellings of a window size to the same size', () => {
    for (const [wire, size] of [
      ['PT1M', 'MINUTE'],
      ['PT15M', 'FIFTEEN_MINUTES'],
      ['P1W', 'WEEK'],
      ['MONTH', 'MONTH'],
      ['P1Y', 'YEAR'],
    ] as const) {
      expect(mapped({ windowSize: wire }).windowSize, wire).toBe(size);
    }
  });

  it('parses the cumulative period and the rolling span into the aggregation mode', () => {
    expect(
      mapped({ windowSize: 'HOUR', aggregationMode: 'cumulative', cumulativePeriod: 'P1D' }).mode,
    ).toEqual({ kind: 'cumulative', period: 'DAY' });
    expect(mapped({ windowSize: 'HOUR', aggregationMode: 'cumulative' }).mode).toEqual({
      kind: 'cumulative',
      period: 'MONTH',
    });
    expect(
      mapped({ windowSize: 'HOUR', aggregationMode: 'rolling', rollingSpan: 'PT24H' }).mode,
    ).toEqual({ kind: 'rolling', span: { unit: 'HOUR', count: 24 } });
    expect(
      mapped({ windowSize: 'DAY', aggregationMode: 'rolling', rollingSpan: 'P30D' }).mode,
    ).toEqual({ kind: 'rolling', span: { unit: 'DAY', count: 30 } });
  });

  it('refuses an empty span, an unknown zone and an instant outside the grammar, naming each', () => {
    expect(
      issuePaths({
        rollingSpan: 'P0D',
        windowTimeZone: 'Mars/Olympus',
        from: 'last tuesday',
        to: '2024-02-30',
      }).sort(),
    ).toEqual(['from', 'rollingSpan', 'to', 'windowTimeZone']);
  });

  it('keeps the zone as written, for the answer to echo', () => {
    expect(mapped({ windowTimeZone: '+05:45' }).timeZone).toBe('+05:45');
    expect(mapped({}).timeZone).toBe('UTC');
  });

  it('resolves relative instants against the clock the handler passes, not the wall clock', () => {
    const q = mapped({ from: '-P30D', to: 'now' });
    expect(q.from).toBe(NOW - 30 * DAY);
    expect(q.to).toBe(NOW);
    const abs = mapped({ from: '2024-01-31', to: '1717243200000' });
    expect(abs.from).toBe(Date.UTC(2024, 0, 31));
    expect(abs.to).toBe(1_717_243_200_000);
  });

  it('refuses a relative instant that lands before year 0000 at the request time', () => {
    // 2100 years before 2024 is before year 0000; the text itself is in the grammar.
    expect(() => mapped({ from: `-P${2100 * 365}D` })).toThrow(ValidationError);
  });

  it('parses the POST body with the same field schemas', () => {
    const parsed = MeterQueryRequestSchema.parse({
      windowSize: 'P1D',
      from: '-P7D',
      aggregationMode: 'rolling',
      rollingSpan: 'P7D',
    });
    const q = toUsageQuery('calls', parsed, NOW);
    expect(q).toMatchObject({
      windowSize: 'DAY',
      from: NOW - 7 * DAY,
      mode: { kind: 'rolling', span: { unit: 'DAY', count: 7 } },
    });
  });

  it('leaves from < to to the planner, the one guard of the range', () => {
    const q = mapped({ from: '2024-03-02', to: '2024-03-01' });
    expect(q.from).toBeGreaterThan(q.to);
    let err: unknown;
    try {
      planUsage(meter, q);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toContain('from');
  });
});
