import { describe, expect, it } from 'vitest';
import { type Check, missBy, passes, verdict } from './targets.js';

const lower = (value: number, limit: number, what = ''): Check => ({
  what,
  value,
  limit,
  better: 'lower',
});
const higher = (value: number, limit: number, what = ''): Check => ({
  what,
  value,
  limit,
  better: 'higher',
});

describe('missBy', () => {
  it('gives a factor once a latency is at least twice its limit', () => {
    expect(missBy(lower(230, 100))).toBe('2.3x over target');
    expect(missBy(lower(200, 100))).toBe('2.0x over target');
  });

  it('gives a percentage below twice the limit', () => {
    expect(missBy(lower(123, 100))).toBe('+23% over target');
    // A hair over the limit still reads as a miss, not "+0%".
    expect(missBy(lower(100.2, 100))).toBe('+1% over target');
  });

  it('measures a rate that falls short by its factor or its shortfall', () => {
    expect(missBy(higher(20_000, 200_000))).toBe('10.0x below target');
    expect(missBy(higher(110_000, 200_000))).toBe('45% below target');
    expect(missBy(higher(0, 200_000))).toBe('none at all');
  });
});

describe('verdict', () => {
  it('passes a value on the limit, on either side', () => {
    expect(passes(lower(100, 100))).toBe(true);
    expect(passes(higher(0.5, 0.5))).toBe(true);
    expect(verdict([lower(20, 20, 'p50'), lower(99, 100, 'p99')])).toBe('PASS');
  });

  it('names only the checks that missed', () => {
    expect(verdict([lower(46, 20, 'p50'), lower(90, 100, 'p99')])).toBe(
      'FAIL: p50 2.3x over target',
    );
    expect(verdict([higher(50_000, 200_000, 'rate'), higher(0.4, 0.5, 'share of raw')])).toBe(
      'FAIL: rate 4.0x below target; share of raw 20% below target',
    );
  });

  it('fails what never happened', () => {
    expect(verdict([lower(Number.POSITIVE_INFINITY, 10_000, 'ready')])).toBe(
      'FAIL: ready never reached',
    );
  });

  it('tells an unmeasured figure from one without a target', () => {
    expect(verdict([lower(Number.NaN, 100)])).toBe('not measured');
    expect(verdict([])).toBe('n/a');
  });
});
