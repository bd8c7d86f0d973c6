// An in-memory set of 64-bit event identity hashes (two Uint32Arrays, open addressing), so that
// deduplication happens at ingest without a lookup in the store per event. 8 bytes per slot at a
// load factor of at most 0.7: about 11.5 bytes per stored event. A hit is only a candidate: the
// store confirms it against the stored (account, source, id) before skipping the event.

export class DedupeIndex {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 1 << 4;
    while (cap < initialCapacity) cap <<= 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  has(hi: number, lo: number): boolean {
    const l = lo === 0 && hi === 0 ? 1 : lo;
    for (let i = this.slot(hi, l); ; i = (i + 1) & this.mask) {
      const sh = this.hi[i] ?? 0;
      const sl = this.lo[i] ?? 0;
      if (sh === 0 && sl === 0) return false;
      if (sh === hi && sl === l) return true;
    }
  }

  add(hi: number, lo: number): void {
    const l = lo === 0 && hi === 0 ? 1 : lo;
    if ((this.count + 1) / (this.mask + 1) > 0.7) this.grow();
    for (let i = this.slot(hi, l); ; i = (i + 1) & this.mask) {
      const sh = this.hi[i] ?? 0;
      const sl = this.lo[i] ?? 0;
      if (sh === hi && sl === l) return;
      if (sh === 0 && sl === 0) {
        this.hi[i] = hi;
        this.lo[i] = l;
        this.count++;
        return;
      }
    }
  }

  private slot(hi: number, lo: number): number {
    return (Math.imul(hi ^ lo, 0x9e3779b1) >>> 0) & this.mask;
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const cap = (this.mask + 1) * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldHi.length; i++) {
      const h = oldHi[i] ?? 0;
      const l = oldLo[i] ?? 0;
      if (h !== 0 || l !== 0) this.add(h, l);
    }
  }
}
