import { describe, expect, it } from 'vitest';
import { subjectBucket } from './subject-bucket.js';

describe('subjectBucket', () => {
  it('is FNV-1a folded to 16 bits (published FNV-1a vectors: "" 0x811c9dc5, "a" 0xe40c292c)', () => {
    expect(subjectBucket('')).toBe(0x9dc5 ^ 0x811c);
    expect(subjectBucket('a')).toBe(0x292c ^ 0xe40c);
  });

  it('spreads similar subjects over the buckets', () => {
    const buckets = new Set(Array.from({ length: 1000 }, (_, i) => subjectBucket(`customer_${i}`)));
    expect(buckets.size).toBeGreaterThan(980);
  });
});
