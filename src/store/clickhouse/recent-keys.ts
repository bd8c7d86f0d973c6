// Event identities this process knows to be committed (by its own flushes, or by another process
// as read during a dedupe decision). A commit is final, so a resend of one of these is a duplicate
// without a claim round and its grace wait: a client retrying after a timeout gets its answer at
// once. Bounded; the oldest identity leaves first (an identity that left still dedupes through
// ClickHouse, only slower).
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.capacity <= 0 || this.keys.has(key)) return;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
  }
}
