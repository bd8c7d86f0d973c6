import { describe, expect, it } from 'vitest';
import { fnv1a32, slotOf } from './slot-of.js';

// An independent FNV-1a: BigInt arithmetic mod 2^32 over Buffer's UTF-8, instead of Math.imul
// over TextEncoder's.
function reference(text: string): number {
  let hash = 2166136261n;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash = ((hash ^ BigInt(byte)) * 16777619n) % 4294967296n;
  }
  return Number(hash);
}

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // 'é' is c3 a9 in UTF-8; by hand: (0x811c9dc5 ^ 0xc3) * p, then (^ 0xa9) * p, mod 2^32.
    expect(fnv1a32('é')).toBe(reference('é'));
    const overCodeUnit = Number(((2166136261n ^ 0xe9n) * 16777619n) % 4294967296n);
    expect(fnv1a32('é')).not.toBe(overCodeUnit);
    for (const text of ['acct_1', 'Ünïcødé', '帳戶', '🙂 emoji', 'x'.repeat(1000)]) {
      expect(fnv1a32(text)).toBe(reference(text));
    }
  });
});

describe('slotOf', () => {
  it('is the hash modulo the slot count', () => {
    for (const account of ['', 'a', 'foobar', 'acct_42', 'cust-0001', '帳戶']) {
      for (const slots of [1, 2, 16, 17, 1024]) {
        expect(slotOf(account, slots)).toBe(reference(account) % slots);
      }
    }
    // By hand: 0xbf9cf968 = 3214735720; 3214735720 mod 16 = 8 (its last hex digit), mod 10 = 0.
    expect(slotOf('foobar', 16)).toBe(8);
    expect(slotOf('foobar', 10)).toBe(0);
  });

  it('refuses a slot count that is not a positive integer', () => {
    expect(() => slotOf('a', 0)).toThrow(RangeError);
    expect(() => slotOf('a', 1.5)).toThrow(RangeError);
    expect(() => slotOf('a', Number.NaN)).toThrow(RangeError);
  });
});
