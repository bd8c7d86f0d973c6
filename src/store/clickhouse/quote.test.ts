import { describe, expect, it } from 'vitest';
import { checkIdentifier, lit, litList } from './quote.js';

describe('lit', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
    ['nul\u0000byte', "'nul\\0byte'"],
    ["'; DROP TABLE events; --", "'\\'; DROP TABLE events; --'"],
    ['line\nbreak', "'line\nbreak'"],
    ['ünï€😀', "'ünï€😀'"],
    ['', "''"],
  ])('quotes %j', (input, expected) => {
    expect(lit(input)).toBe(expected);
  });

  it('quotes numbers, booleans and null', () => {
    expect(lit(42)).toBe('42');
    expect(lit(-42)).toBe('(-42)');
    expect(lit(1.5)).toBe('1.5');
    expect(lit(1_700_000_000_000)).toBe('1700000000000');
    expect(lit(true)).toBe('1');
    expect(lit(null)).toBe('NULL');
    expect(litList(['a', 1])).toBe("'a', 1");
    expect(() => lit(Number.NaN)).toThrow();
    expect(() => lit(Number.POSITIVE_INFINITY)).toThrow();
  });

  it('accepts only plain identifiers from configuration', () => {
    expect(checkIdentifier('tally_1', 'database')).toBe('tally_1');
    expect(() => checkIdentifier('a;b', 'database')).toThrow();
    expect(() => checkIdentifier('1a', 'database')).toThrow();
  });
});
