// Livepeer's viewership metrics as its API reference defines them, evaluated on one window's meter
// values: minutes of playtime, the share of viewing time spent rebuffering, the share of views
// with an error and the share of views that left before the first frame.

import { describe, expect, it } from 'vitest';
import { evaluateMetric, type MetricSet } from '../../../query/metric-expr.js';
import type { MetricRow } from '../../../query/metrics-query.js';
import {
  breakdownFields,
  nativeDim,
  REALTIME_METRICS,
  TIME_STEPS,
  VIEWERSHIP_METRICS,
} from './metric-mapping.js';
import { LIVEPEER_METERS as M } from './presets.js';

function evaluate(metrics: MetricSet, meters: Record<string, number>): Record<string, unknown> {
  const values = new Map(Object.entries(meters));
  return Object.fromEntries(
    Object.entries(metrics).map(([name, expr]) => [name, evaluateMetric(expr, values)]),
  );
}

describe('Livepeer viewership metrics', () => {
  it('10 views, 8 of which started, 2 with errors; 9 min played, 1 min rebuffering', () => {
    const v = evaluate(VIEWERSHIP_METRICS, {
      [M.views]: 10,
      [M.startedViews]: 8,
      [M.errorViews]: 2,
      [M.playtime]: 9 * 60_000,
      [M.rebuffer]: 60_000,
      [M.ttff]: 450,
    });
    expect(v.viewCount).toBe(10);
    expect(v.playtimeMins).toBe(9);
    expect(v.rebufferRatio).toBeCloseTo(0.1, 12);
    expect(v.errorRate).toBeCloseTo(0.2, 12);
    expect(v.exitsBeforeStart).toBeCloseTo(0.2, 12);
    expect(v.ttffMs).toBe(450);
  });

  it('a window with no views reports ratios of 0, and no first frame leaves ttffMs absent', () => {
    const v = evaluate(VIEWERSHIP_METRICS, { [M.views]: 0, [M.playtime]: 30_000 });
    expect(v.playtimeMins).toBe(0.5);
    expect(v.errorRate).toBe(0);
    expect(v.exitsBeforeStart).toBe(0);
    expect(v.ttffMs).toBeUndefined();
  });

  it('more started than counted views (late events) never gives a negative exit share', () => {
    const v = evaluate(VIEWERSHIP_METRICS, { [M.views]: 4, [M.startedViews]: 5 });
    expect(v.exitsBeforeStart).toBe(0);
  });

  it('realtime: an error rate above 1 (error sessions without heartbeats) is capped at 1', () => {
    const v = evaluate(REALTIME_METRICS, { [M.activeViewers]: 2, [M.errorViews]: 3 });
    expect(v).toEqual({ viewCount: 2, errorRate: 1 });
  });
});

describe('Livepeer query parameters', () => {
  it('every documented timeStep is a calendar window of the same unit', () => {
    expect(TIME_STEPS).toEqual({
      hour: 'HOUR',
      day: 'DAY',
      week: 'WEEK',
      month: 'MONTH',
      year: 'YEAR',
    });
  });

  it('creatorId is the CloudEvent subject; other breakdowns are dimensions of their name', () => {
    expect(nativeDim('creatorId')).toBe('subject');
    expect(nativeDim('country')).toBe('country');
    const row: MetricRow = {
      windowStart: 0,
      windowEnd: 1,
      subject: 'creator-7',
      groupBy: { country: 'NL', device: null },
      values: {},
    };
    // A breakdown without a value is left out: the client rejects null.
    expect(breakdownFields(row, ['creatorId', 'country', 'device'])).toEqual({
      creatorId: 'creator-7',
      country: 'NL',
    });
  });
});
