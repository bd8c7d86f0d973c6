// The slot an account's events belong to. Every Tally process must map an account to the same
// slot, whatever its platform or version: FNV-1a (32-bit) over the UTF-8 bytes is fixed by its
// definition, unlike String hash codes or anything seeded per process.

const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** FNV-1a, 32-bit, over the UTF-8 encoding of `text`; an unsigned 32-bit integer. */
export function fnv1a32(text: string): number {
  let hash = OFFSET_BASIS;
  for (const byte of utf8.encode(text)) {
    // Math.imul keeps the product in 32 bits; a plain * would lose low bits past 2^53.
    hash = Math.imul(hash ^ byte, PRIME) >>> 0;
  }
  return hash;
}

/** The slot in [0, slots) of `accountId`. Changing `slots` moves most accounts to other slots. */
export function slotOf(accountId: string, slots: number): number {
  if (!Number.isInteger(slots) || slots < 1 || slots > 0x100000000) {
    throw new RangeError(`slots must be an integer in [1, 2^32], got ${slots}`);
  }
  return fnv1a32(accountId) % slots;
}
