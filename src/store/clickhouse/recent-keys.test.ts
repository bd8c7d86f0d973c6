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
