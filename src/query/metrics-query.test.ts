import { describe, expect, it } from 'vitest';
import { add, constant, div, meter } from './metric-expr.js';
import {
  joinMetrics,
  type MetricsQuery,
  runMetricsQuery,
  runTotalsQuery,
} from './metrics-query.js';
import type { UsageQuery, UsageResult, UsageRow } from './usage-query.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 2, 1);

function row(w: number, value: number, dims: Record<string, string | null> = {}): UsageRow {
  const { subject = null, ...groupBy } = dims;
  return { windowStart: T0 + w * H, windowEnd: T0 + (w + 1) * H, subject, groupBy, value };
}

/** A stand-in for UsageService.query: canned rows per meter, and a log of what was asked. */
function fakeRun(rows: Record<string, UsageRow[]>) {
  const asked: UsageQuery[] = [];
  const run = async (q: UsageQuery): Promise<UsageResult> => {
    asked.push(q);
    const result: UsageResult = {
      from: q.from,
      to: q.to,
      timeZone: q.timeZone,
      rows: rows[q.meterSlug] ?? [],
    };
    if (q.windowSize && q.windowSize !== 'AUTO') result.windowSize = q.windowSize;
    return result;
  };
  return { run, asked };
}

const scope: Omit<MetricsQuery, 'metrics'> = {
  from: T0,
  to: T0 + 2 * H,
  windowSize: 'HOUR',
  timeZone: 'UTC',
  groupBy: ['country'],
  subjects: ['acme'],
  filters: { country: { $ne: 'xx' } },
  mode: { kind: 'incremental' },
  fillZero: false,
};

describe('joinMetrics', () => {
  it('joins meters per (window, group) and orders by window, then group', () => {
    const results = new Map([
      ['views', { rows: [row(0, 4, { country: 'nl' }), row(1, 2, { country: 'de' })] }],
      ['errors', { rows: [row(0, 1, { country: 'nl' }), row(0, 3, { country: 'be' })] }],
    ]);
    const rows = joinMetrics(
      {
        groupBy: ['country'],
        metrics: { views: meter('views'), rate: div(meter('errors'), meter('views')) },
      },
      results,
    );
    expect(rows.map((r) => [r.windowStart - T0, r.groupBy.country, r.values])).toEqual([
      // be: errors only; views absent, the rate over no views is 0.
      [0, 'be', { rate: 0 }],
      [0, 'nl', { views: 4, rate: 0.25 }],
      [H, 'de', { views: 2, rate: 0 }],
    ]);
  });

  it('keys on the subject when grouping by subject', () => {
    const results = new Map([
      ['a', { rows: [row(0, 1, { subject: 's1' }), row(0, 2, { subject: 's2' })] }],
      ['b', { rows: [row(0, 10, { subject: 's2' })] }],
    ]);
    const rows = joinMetrics(
      { groupBy: ['subject'], metrics: { sum: add(meter('a'), meter('b')) } },
      results,
    );
    expect(rows.map((r) => [r.subject, r.values.sum])).toEqual([
      ['s1', 1],
      ['s2', 12],
    ]);
  });
});

describe('runMetricsQuery', () => {
  it('asks once per distinct meter with the shared scope', async () => {
    const { run, asked } = fakeRun({
      playtime: [row(0, 120_000, { country: 'nl' })],
      rebuffer: [row(0, 30_000, { country: 'nl' })],
    });
    const result = await runMetricsQuery(run, {
      ...scope,
      metrics: {
        playtimeMins: div(meter('playtime'), constant(60_000)),
        rebufferRatio: div(meter('rebuffer'), add(meter('playtime'), meter('rebuffer'))),
      },
    });
    expect(asked.map((q) => q.meterSlug).sort()).toEqual(['playtime', 'rebuffer']);
    for (const q of asked) {
      const { meterSlug: _slug, ...rest } = q;
      expect(rest).toEqual(scope);
    }
    expect(result.windowSize).toBe('HOUR');
    // 120 000 ms is 2 minutes; 30 000 of 150 000 ms rebuffering is 0.2.
    expect(result.rows[0]?.values).toEqual({ playtimeMins: 2, rebufferRatio: 0.2 });
  });
});

describe('runTotalsQuery', () => {
  it('asks for one ungrouped, unwindowed, zero-filled total per meter', async () => {
    const { run, asked } = fakeRun({
      seconds: [row(0, 900)],
      viewers: [row(0, 4)],
    });
    const totals = await runTotalsQuery(run, {
      from: T0,
      to: T0 + H,
      subjects: [],
      filters: {},
      metrics: {
        seconds: meter('seconds'),
        avg: div(meter('seconds'), meter('viewers')),
      },
    });
    expect(totals).toEqual({ seconds: 900, avg: 225 });
    for (const q of asked) {
      expect(q.windowSize).toBeUndefined();
      expect(q.groupBy).toEqual([]);
      expect(q.fillZero).toBe(true);
    }
  });

  it('reports 0 for every metric when nothing was counted', async () => {
    const { run } = fakeRun({});
    const totals = await runTotalsQuery(run, {
      from: T0,
      to: T0 + H,
      subjects: [],
      filters: {},
      metrics: { a: meter('a'), r: div(meter('a'), meter('b')) },
    });
    expect(totals).toEqual({ a: 0, r: 0 });
  });
});
