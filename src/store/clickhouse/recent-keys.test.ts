import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.js';

describe('RecentKeys', () => {
  it('remembers up to its capacity, oldest out first', () => {
    const r = new RecentKeys(2);
    r.add('a');
    r.add('b');
    r.add('a');
    r.add('c');
    expect([r.has('a'), r.has('b'), r.has('c')]).toEqual([false, true, true]);
  });
  it('remembers nothing with capacity 0', () => {
    const r = new RecentKeys(0);
    r.add('a');
    expect(r.has('a')).toBe(false);
  });
});

describe('RecentKeys when full', () => {
  it('keeps exactly the newest identities, however many times it wrapped around', () => {
    const r = new RecentKeys(1000);
    for (let i = 0; i < 5000; i++) r.add(`k${i}`);
    expect(r.has('k3999')).toBe(false);
    expect(r.has('k4000')).toBe(true);
    expect(r.has('k4999')).toBe(true);
    // Its speed when full (the reason for the ring) is the benchmark's to measure, not a timed test's.
    const big = new RecentKeys(100_000);
    for (let i = 0; i < 250_000; i++) big.add(`a${i}`);
    let kept = 0;
    for (let i = 0; i < 250_000; i++) if (big.has(`a${i}`)) kept++;
    expect(kept).toBe(100_000);
    expect(big.has('a149999')).toBe(false);
    expect(big.has('a150000')).toBe(true);
  });
});
