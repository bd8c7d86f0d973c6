// Event identities this process knows to be committed (by its own flushes, or by another process
// as read during a dedupe decision). A commit is final, so a resend of one of these is a duplicate
// without a claim round and its grace wait: a client retrying after a timeout gets its answer at
// once. Bounded; the oldest identity leaves first (an identity that left still dedupes through
// ClickHouse, only slower).
//
// The order of arrival is kept in a ring of its own: evicting through the Set's own iteration order
// (`keys.values().next()`) is not O(1) in V8, whose hash sets keep deleted entries as holes at the
// front until they rehash, so every eviction walked over all earlier ones. Once full, that cost
// 10-35 µs per added key and was the largest part of the server's CPU per ingested event.
export class RecentKeys {
  private readonly keys = new Set<string>();
  private readonly ring: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.capacity <= 0 || this.keys.has(key)) return;
    if (this.ring.length < this.capacity) {
      this.ring.push(key);
    } else {
      const oldest = this.ring[this.next];
      if (oldest !== undefined) this.keys.delete(oldest);
      this.ring[this.next] = key;
      this.next = (this.next + 1) % this.capacity;
    }
    this.keys.add(key);
  }
}
