import { createHash } from 'node:crypto';

/**
 * A 64-bit hash of an event identity, as two 32-bit halves from two differently seeded
 * multiply-xorshift passes. Fast enough for the ingest hot path; a match is only a candidate
 * duplicate, which the store confirms against the stored identity.
 */
export function identityHash(account: string, source: string, id: string): [number, number] {
  const s = `${account}\u0000${source}\u0000${id}`;
  let h1 = 0x9e3779b9;
  let h2 = 0x85ebca6b;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return [h1 >>> 0, h2 >>> 0];
}

/** The 64-bit identity hash as an unsigned bigint (for storage columns). */
export function identityHash64(account: string, source: string, id: string): bigint {
  const [hi, lo] = identityHash(account, source, id);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
