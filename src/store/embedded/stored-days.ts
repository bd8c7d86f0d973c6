// Which UTC days of event time may hold a stored event, so that the dedupe index loads a day it
// has never seen without asking DuckDB when the day certainly holds none: a backfill that walks
// through days in time order, or the first events of a new day, would otherwise wait for one scan
// of the events per day before their batch could be acknowledged.
//
// Exactness. `mayHold(day)` answers false only once `learn` has merged a scan of the stored days
// and the day is neither in it nor added since. Every writer of events adds its days before the
// transaction that stores them begins, so an event committed after the scan's snapshot has its
// day here already, and one committed before it is in the scan. Extra days (a transaction that
// then failed, a month moved to the archive whole) only cost a scan.

export class StoredDays {
  private readonly days = new Set<number>();
  private learned = false;

  /** Days about to receive events: call before the transaction that stores them begins. */
  add(days: Iterable<number>): void {
    for (const day of days) this.days.add(day);
  }

  /** Merges the days a scan of the stored events found; from then on absence means none. */
  learn(days: Iterable<number>): void {
    this.add(days);
    this.learned = true;
  }

  /** False only when no event of the day is stored (nor being stored). */
  mayHold(day: number): boolean {
    return !this.learned || this.days.has(day);
  }

  get known(): boolean {
    return this.learned;
  }
}
