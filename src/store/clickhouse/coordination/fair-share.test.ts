import { describe, expect, it } from 'vitest';
import { targetShare } from './fair-share.js';

describe('targetShare', () => {
  it('splits 16 slots over 3 members as 6, 5, 5 in sorted id order', () => {
    const members = ['m-c', 'm-a', 'm-b'];
    expect(members.map((m) => targetShare(16, members, m))).toEqual([5, 6, 5]);
  });

  it('adds up to the slot count and never exceeds the ceiling', () => {
    for (const slots of [1, 2, 7, 16, 100]) {
      for (let n = 1; n <= 9; n++) {
        const members = Array.from({ length: n }, (_, i) => `member-${i}`);
        const shares = members.map((m) => targetShare(slots, members, m));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(slots);
        for (const share of shares) {
          expect(share).toBeLessThanOrEqual(Math.ceil(slots / n));
          expect(share).toBeGreaterThanOrEqual(Math.floor(slots / n));
        }
      }
    }
  });

  it('gives nothing to a member that is not listed', () => {
    expect(targetShare(16, ['a', 'b'], 'c')).toBe(0);
  });
});
