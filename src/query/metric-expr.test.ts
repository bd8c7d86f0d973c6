import { describe, expect, it } from 'vitest';
import {
  add,
  constant,
  div,
  evaluateMetric,
  max,
  meter,
  metersOf,
  min,
  round,
  sub,
} from './metric-expr.js';

const values = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('evaluateMetric', () => {
  it('reports a meter as it is', () => {
    expect(evaluateMetric(meter('a'), values({ a: 7.5 }))).toBe(7.5);
  });

  it('does the four operations and rounding', () => {
    const v = values({ a: 9, b: 4 });
    expect(evaluateMetric(add(meter('a'), meter('b')), v)).toBe(13);
    expect(evaluateMetric(sub(meter('a'), meter('b')), v)).toBe(5);
    expect(evaluateMetric(div(meter('a'), meter('b')), v)).toBe(2.25);
    expect(evaluateMetric(min(meter('a'), meter('b')), v)).toBe(4);
    expect(evaluateMetric(max(meter('a'), meter('b')), v)).toBe(9);
    expect(evaluateMetric(round(div(meter('a'), meter('b'))), v)).toBe(2);
    expect(evaluateMetric(round(div(meter('a'), constant(2))), v)).toBe(5); // 4.5 rounds up
  });

  it('divides by zero (or by a missing meter) to 0', () => {
    expect(evaluateMetric(div(meter('a'), meter('b')), values({ a: 3, b: 0 }))).toBe(0);
    expect(evaluateMetric(div(meter('a'), meter('b')), values({ a: 3 }))).toBe(0);
  });

  it('counts a missing operand as 0 when another meter reported', () => {
    // 2 error views out of none counted: a ratio over nothing.
    expect(evaluateMetric(div(meter('err'), meter('views')), values({ views: 8 }))).toBe(0);
    // (views - started) clamped at 0, over views: (8 - 0) / 8.
    const exits = div(max(sub(meter('views'), meter('started')), constant(0)), meter('views'));
    expect(evaluateMetric(exits, values({ views: 8 }))).toBe(1);
    expect(evaluateMetric(exits, values({ views: 8, started: 10 }))).toBe(0);
    expect(evaluateMetric(exits, values({ views: 8, started: 6 }))).toBe(0.25);
  });

  it('is absent when none of its meters reported', () => {
    expect(evaluateMetric(meter('ttff'), values({ views: 3 }))).toBeUndefined();
    expect(evaluateMetric(div(meter('a'), meter('b')), values({ c: 1 }))).toBeUndefined();
  });

  it('a constant alone is always present', () => {
    expect(evaluateMetric(constant(60_000), values({}))).toBe(60_000);
  });
});

describe('metersOf', () => {
  it('lists every meter once', () => {
    const e = div(meter('r'), add(meter('p'), meter('r')));
    expect([...metersOf(e)].sort()).toEqual(['p', 'r']);
    expect([...metersOf(round(constant(1)))]).toEqual([]);
  });
});
