import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctValue, MAX_METER_VALUE, numericValue, scalarText } from './value-rules.js';

describe('numericValue', () => {
  it.each([
    [undefined, 'missing'],
    [null, 'missing'],
    ['lots', 'not_a_number'],
    ['', 'not_a_number'],
    ['0x10', 'not_a_number'],
    ['Infinity', 'not_a_number'],
    ['1_000', 'not_a_number'],
    [true, 'not_a_number'],
    [{ n: 1 }, 'not_a_number'],
    [[1], 'not_a_number'],
    ['1e400', 'non_finite'],
    ['-1e400', 'non_finite'],
    [Number.POSITIVE_INFINITY, 'non_finite'],
    [Number.NaN, 'non_finite'],
    [2 ** 53, 'too_large'],
    [-(2 ** 53), 'too_large'],
    ['1e300', 'too_large'],
  ])('%j is not counted: %s', (raw, reason) => {
    expect(numericValue(raw)).toEqual({ value: null, reason });
  });

  it.each([
    [0, 0],
    [-2.5, -2.5],
    [' 12 ', 12],
    ['-3.5e2', -350],
    ['.5', 0.5],
    [MAX_METER_VALUE, MAX_METER_VALUE],
    [-MAX_METER_VALUE, -MAX_METER_VALUE],
  ])('%j counts as %d (negative values are credits)', (raw, value) => {
    expect(numericValue(raw)).toEqual({ value });
  });

  it('property: any finite number within the bound counts as itself, also as its decimal text', () => {
    fc.assert(
      fc.property(fc.double({ min: -MAX_METER_VALUE, max: MAX_METER_VALUE, noNaN: true }), (n) => {
        expect(numericValue(n).value).toBe(n);
        // == rather than Object.is: "-0" and "0" are the same amount.
        expect(numericValue(String(n)).value === n).toBe(true);
      }),
    );
  });
});

describe('distinctValue and scalarText', () => {
  it('UNIQUE_COUNT takes scalars as text, reports objects and absence', () => {
    expect(distinctValue('u1')).toEqual({ value: 'u1' });
    expect(distinctValue(7)).toEqual({ value: '7' });
    expect(distinctValue(false)).toEqual({ value: 'false' });
    expect(distinctValue(undefined)).toEqual({ value: null, reason: 'missing' });
    expect(distinctValue({ a: 1 })).toEqual({ value: null, reason: 'not_a_scalar' });
    expect(distinctValue([1])).toEqual({ value: null, reason: 'not_a_scalar' });
  });

  it('a lone surrogate becomes U+FFFD (what UTF-8 storage reads back); pairs are kept', () => {
    expect(scalarText('a\uD800b\uDFFF')).toBe('a\uFFFDb\uFFFD');
    expect(scalarText('\uD83D\uDE00')).toBe('\uD83D\uDE00');
    expect(scalarText({})).toBeNull();
  });
});
