import { describe, expect, it } from 'vitest';
import type { MeterDefinition } from '../meter/meter-definition.js';
import {
  autoWindowMeasure,
  autoWindowSize,
  DEFAULT_AUTO_WINDOW,
  type MeasuredAutoWindowPolicy,
  resolveAutoWindow,
  resolveWindowSize,
} from './auto-window.js';
import { planUsage } from './planner.js';
import type { AutoWindowPolicy, UsageQuery } from './usage-query.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2024, 0, 10);

// Two thresholds in the order a reader would write them backwards, to check sorting.
const POLICY: AutoWindowPolicy = {
  steps: [
    { upToMs: 2 * D, windowSize: 'HOUR' },
    { upToMs: 2 * H, windowSize: 'MINUTE' },
  ],
  otherwise: 'DAY',
};

describe('autoWindowSize', () => {
  it.each([
    [1, 'MINUTE'],
    [2 * H, 'MINUTE'],
    [2 * H + 1, 'HOUR'],
    [2 * D, 'HOUR'],
    [2 * D + 1, 'DAY'],
    [400 * D, 'DAY'],
  ] as const)('a span of %d ms picks %s', (span, size) => {
    expect(autoWindowSize(POLICY, span)).toBe(size);
  });

  it('a policy with no steps always picks its fallback', () => {
    expect(autoWindowSize({ steps: [], otherwise: 'WEEK' }, 5 * H)).toBe('WEEK');
  });

  it.each([
    [H, 'MINUTE'],
    [D, 'HOUR'],
    [30 * D, 'DAY'],
    [366 * D, 'DAY'],
    [367 * D, 'MONTH'],
  ] as const)('the default policy picks for %d ms: %s', (span, size) => {
    expect(autoWindowSize(DEFAULT_AUTO_WINDOW, span)).toBe(size);
  });
});

describe('resolveWindowSize', () => {
  it('keeps explicit sizes and "no window" as they are', () => {
    expect(resolveWindowSize({ from: 0, to: D })).toBeUndefined();
    expect(resolveWindowSize({ from: 0, to: D, windowSize: 'WEEK' })).toBe('WEEK');
  });

  it('resolves AUTO with the query policy, else the default', () => {
    expect(resolveWindowSize({ from: 0, to: 3 * D, windowSize: 'AUTO', autoWindow: POLICY })).toBe(
      'DAY',
    );
    expect(resolveWindowSize({ from: 0, to: 3 * D, windowSize: 'AUTO' })).toBe('DAY');
    expect(resolveWindowSize({ from: 0, to: 3 * H, windowSize: 'AUTO' })).toBe('HOUR');
  });
});

describe('age-based policies', () => {
  const AGED: MeasuredAutoWindowPolicy = { ...POLICY, basis: 'age' };
  const NOW = T0 + 30 * D;
  const ago = (startAgo: number, length: number) => ({
    from: NOW - startAgo,
    to: NOW - startAgo + length,
  });

  it.each([
    ['6 hours, a week old', 'DAY', ago(7 * D, 6 * H)],
    ['90 minutes ending now', 'MINUTE', ago(90 * 60_000, 90 * 60_000)],
    ['exactly 2 hours old', 'MINUTE', ago(2 * H, H)],
    ['2 hours and 1 ms old', 'HOUR', ago(2 * H + 1, H)],
    ['6 hours ending now', 'HOUR', ago(6 * H, 6 * H)],
    ['exactly 2 days old', 'HOUR', ago(2 * D, 3 * H)],
    ['2 days and 1 ms old', 'DAY', ago(2 * D + 1, 3 * H)],
    ['1 minute, 3 days old', 'DAY', ago(3 * D, 60_000)],
  ] as const)('%s: %s', (_, size, range) => {
    expect(resolveAutoWindow(AGED, range, NOW)).toBe(size);
    // The same range measured by its length picks by span, which is what the basis changes.
    expect(resolveAutoWindow(POLICY, range, NOW)).toBe(
      autoWindowSize(POLICY, range.to - range.from),
    );
  });

  it('a range reaching past now measures up to its end, never finer than its length', () => {
    expect(autoWindowMeasure('age', { from: NOW - H, to: NOW + 5 * H }, NOW)).toBe(6 * H);
    expect(resolveAutoWindow(AGED, { from: NOW - H, to: NOW + 5 * H }, NOW)).toBe('HOUR');
    expect(resolveAutoWindow(AGED, { from: NOW + D, to: NOW + 4 * D }, NOW)).toBe('DAY');
  });

  it('span is the default basis; an age basis without a clock is refused', () => {
    expect(autoWindowMeasure('span', { from: 5, to: 12 })).toBe(7);
    expect(() => resolveAutoWindow(AGED, ago(H, H))).toThrow(/needs `now`/);
    expect(
      resolveWindowSize({ ...ago(7 * D, 6 * H), windowSize: 'AUTO', autoWindow: AGED }, NOW),
    ).toBe('DAY');
  });
});

describe('planUsage with windowSize AUTO', () => {
  const meter: MeterDefinition = {
    id: 'm1',
    accountId: 'a1',
    slug: 'calls',
    name: 'Calls',
    aggregation: 'COUNT',
    eventType: 'call',
    dimensions: [],
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
  };
  const q = (from: number, to: number): UsageQuery => ({
    meterSlug: 'calls',
    from,
    to,
    windowSize: 'AUTO',
    autoWindow: POLICY,
    timeZone: 'UTC',
    groupBy: [],
    subjects: [],
    filters: {},
    mode: { kind: 'incremental' },
    fillZero: false,
  });

  it('lays out minute windows for 90 minutes', () => {
    const plan = planUsage(meter, q(T0, T0 + 90 * 60_000));
    expect(plan.windowSize).toBe('MINUTE');
    expect(plan.windows).toHaveLength(90);
    expect(plan.windows[1]).toEqual({ start: T0 + 60_000, end: T0 + 120_000 });
  });

  it('lays out hour windows for one day and day windows for three', () => {
    const hours = planUsage(meter, q(T0, T0 + D));
    expect(hours.windowSize).toBe('HOUR');
    expect(hours.windows).toHaveLength(24);
    const days = planUsage(meter, q(T0, T0 + 3 * D));
    expect(days.windowSize).toBe('DAY');
    expect(days.windows.map((w) => w.start)).toEqual([T0, T0 + D, T0 + 2 * D]);
  });
});
