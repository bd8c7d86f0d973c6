// The exact set of one UTC day's 64-bit event identity hashes (open addressing, linear probing).
// Both halves of a key sit side by side in one Uint32Array, so a probe touches one cache line.
// 8 bytes per slot at a load factor of at most 0.7 (11.4 to 22.9 bytes per key), and the size is
// known before every growth, so the owner can keep all days within its memory budget.

const MAX_LOAD = 0.7;
const MIN_CAPACITY = 16;

/** Slots needed to hold `keys` keys within the load factor (a power of two). */
export function capacityFor(keys: number): number {
  let cap = MIN_CAPACITY;
  while (keys > cap * MAX_LOAD) cap *= 2;
  return cap;
}

export class DayKeySet {
  private slots: Uint32Array;
  private mask: number;
  /** 32 - log2(capacity): the slot is the top bits of a multiplicative hash. */
  private shift: number;
  private count = 0;

  constructor() {
    this.slots = new Uint32Array(MIN_CAPACITY * 2);
    this.mask = MIN_CAPACITY - 1;
    this.shift = 32 - Math.log2(MIN_CAPACITY);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes held by the slots. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Extra slot bytes that holding `more` further keys may need (0 when they already fit). */
  growthBytes(more: number): number {
    return Math.max(0, capacityFor(this.count + more) - this.capacity) * 8;
  }

  has(hi: number, lo: number): boolean {
    // (0, 0) marks an empty slot, so that key is kept as (0, 1): a false hit only means "confirm".
    const l = (hi | lo) === 0 ? 1 : lo;
    const s = this.slots;
    for (let i = this.slot(hi, l); ; i = (i + 1) & this.mask) {
      const sh = s[2 * i] as number;
      const sl = s[2 * i + 1] as number;
      if (sh === hi && sl === l) return true;
      if ((sh | sl) === 0) return false;
    }
  }

  add(hi: number, lo: number): void {
    if (this.count + 1 > this.capacity * MAX_LOAD) this.rehash(this.capacity * 2);
    this.insert(hi, (hi | lo) === 0 ? 1 : lo);
  }

  /** Grows the table now so that `more` further keys fit without growing. */
  reserve(more: number): void {
    const cap = capacityFor(this.count + more);
    if (cap > this.capacity) this.rehash(cap);
  }

  private insert(hi: number, l: number): void {
    const s = this.slots;
    for (let i = this.slot(hi, l); ; i = (i + 1) & this.mask) {
      const sh = s[2 * i] as number;
      const sl = s[2 * i + 1] as number;
      if (sh === hi && sl === l) return;
      if ((sh | sl) === 0) {
        s[2 * i] = hi;
        s[2 * i + 1] = l;
        this.count++;
        return;
      }
    }
  }

  private slot(hi: number, lo: number): number {
    return Math.imul(hi ^ Math.imul(lo, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  private rehash(cap: number): void {
    const old = this.slots;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const h = old[i] as number;
      const l = old[i + 1] as number;
      if ((h | l) !== 0) this.insert(h, l);
    }
  }
}
