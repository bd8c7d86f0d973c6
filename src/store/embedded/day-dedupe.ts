import type { DayKey } from './compile-dedupe.js';
import { DayKeySet } from './day-key-set.js';

// The ingest dedupe index, partitioned by UTC day of event time. A resend of an event carries its
// event time, so a duplicate of an event stored long ago is looked for in that one day's set.
// Only recently used days are held (an LRU within a byte budget): memory does not grow with the
// stored events, and a restart loads nothing until a day is asked for.
//
// Exactness. 'new' is answered only from a day set that holds every identity hash of that day
// that is stored in DuckDB or accepted and waiting to be folded. That holds because:
// - a load registers the day as loading and calls loadDay in the same synchronous step, and
//   loadDay must capture, before it first yields to the event loop, the day's accepted events
//   not yet folded into DuckDB, counted from accept time (so those whose log append is still in
//   flight too); its DuckDB scan then starts later on a reader, so it sees every event folded
//   before the capture (folded events leave the waiting set only after their commit);
// - every event accepted from that step on is add()ed, and add() puts it into the day's set
//   while the day loads or is resident (a cold day ignores it: its next load captures it).
// So capture + scan + adds miss nothing, whatever the fold commits while the scan runs. A day
// that is cold, loading, failed or too large for the budget answers 'maybe': the caller confirms
// those against its waiting identities and DuckDB, as it confirms every set hit.

export type { DayKey };
export type Verdict = 'new' | 'maybe';

/** Identity hash halves of some of a day's events (e.g. one DuckDB result chunk). */
export interface KeyChunk {
  hi: ArrayLike<number>;
  lo: ArrayLike<number>;
}

/**
 * Yields every identity hash of the day. Called synchronously when the day is registered as
 * loading: it must capture the day's accepted-but-unfolded events before its first await (e.g.
 * compute them in the function body and return a generator that yields them first, then the
 * DuckDB scan of compileDayKeys). Stopping the iteration early (budget exceeded) calls return().
 */
export type LoadDay = (day: number) => AsyncIterable<KeyChunk> | Iterable<KeyChunk>;

export interface DayDedupeOptions {
  loadDay: LoadDay;
  /**
   * Bound on the memory of all day sets, loading ones included (default 64 MiB). A set that
   * grows briefly holds its old slots too, up to half its new size on top.
   */
  budgetBytes?: number;
  /**
   * A cold day is loaded once this many of its keys have been asked for since it was last
   * resident (this batch plus earlier 'maybe' answers); until then its keys are 'maybe'. A live
   * day loads at once, while a backfill touching each old day a few times does not churn the cache.
   */
  loadThreshold?: number;
}

export interface DayDedupeStats {
  residentDays: number;
  residentBytes: number;
  loads: number;
  loadFailures: number;
  /** Loads and resident days dropped because their set could not fit. */
  dropped: number;
  oversizedDays: number;
}

export const DEFAULT_DEDUPE_BUDGET_BYTES = 64 * 1024 * 1024;
export const DEFAULT_LOAD_THRESHOLD = 32;
/** Charged per held day on top of its slots: the Map entry, the objects and the array headers. */
export const DAY_OVERHEAD_BYTES = 256;
/** Cold days whose demand, and days too large for the budget, that are remembered at most. */
const MAX_REMEMBERED_DAYS = 4096;

interface DayEntry {
  set: DayKeySet;
  loading: boolean;
  /** Resolves true once the day is resident, false if it was dropped instead. */
  done: Promise<boolean>;
}

function byDay(keys: readonly DayKey[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const day = (keys[i] as DayKey).day;
    const group = groups.get(day);
    if (group) group.push(i);
    else groups.set(day, [i]);
  }
  return groups;
}

function remember<T>(map: Map<number, T>, day: number, value: T): void {
  map.delete(day);
  map.set(day, value);
  if (map.size > MAX_REMEMBERED_DAYS) map.delete(map.keys().next().value as number);
}

export class DayDedupe {
  private readonly loadDay: LoadDay;
  private readonly budget: number;
  private readonly threshold: number;
  /** Held days, least recently used first. */
  private readonly days = new Map<number, DayEntry>();
  private readonly loadingDays = new Set<number>();
  /** Keys asked for per cold day since it was last held. */
  private readonly demand = new Map<number, number>();
  /** Days whose set alone exceeds the budget: never loaded (events are never deleted). */
  private readonly oversized = new Map<number, true>();
  private bytes = 0;
  private loads = 0;
  private loadFailures = 0;
  private dropped = 0;

  constructor(opts: DayDedupeOptions) {
    this.loadDay = opts.loadDay;
    this.budget = opts.budgetBytes ?? DEFAULT_DEDUPE_BUDGET_BYTES;
    this.threshold = opts.loadThreshold ?? DEFAULT_LOAD_THRESHOLD;
  }

  get residentBytes(): number {
    return this.bytes;
  }

  /** Days held, loading ones included. */
  get residentDays(): number {
    return this.days.size;
  }

  stats(): DayDedupeStats {
    return {
      residentDays: this.days.size,
      residentBytes: this.bytes,
      loads: this.loads,
      loadFailures: this.loadFailures,
      dropped: this.dropped,
      oversizedDays: this.oversized.size,
    };
  }

  /**
   * 'new': certainly neither stored nor accepted and waiting. 'maybe': confirm against the
   * waiting identities and DuckDB (a set hit, or a day that is not resident). Loads the cold days
   * whose demand reaches the threshold, one after another, each looked up as soon as it is in.
   */
  async candidates(keys: readonly DayKey[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = new Array(keys.length).fill('maybe');
    for (const [day, indexes] of byDay(keys)) {
      const set = await this.lookupSet(day, indexes.length);
      if (!set) continue;
      for (const i of indexes) {
        const k = keys[i] as DayKey;
        if (!set.has(k.hi, k.lo)) verdicts[i] = 'new';
      }
    }
    return verdicts;
  }

  /** Records accepted events, at accept time (before the fold), into their days if held. */
  add(keys: readonly DayKey[]): void {
    for (const [day, indexes] of byDay(keys)) {
      const entry = this.days.get(day);
      if (!entry || !this.reserve(day, entry, indexes.length)) continue;
      for (const i of indexes) {
        const k = keys[i] as DayKey;
        entry.set.add(k.hi, k.lo);
      }
      if (!entry.loading) this.touch(day, entry);
    }
  }

  private async lookupSet(day: number, asked: number): Promise<DayKeySet | undefined> {
    const entry = this.days.get(day);
    if (entry && !entry.loading) {
      this.touch(day, entry);
      return entry.set;
    }
    if (!entry && this.oversized.has(day)) return undefined;
    const demand = (this.demand.get(day) ?? 0) + asked;
    if (demand < this.threshold) {
      remember(this.demand, day, demand);
      return undefined;
    }
    this.demand.delete(day);
    if (!(await (entry ? entry.done : this.startLoad(day)))) return undefined;
    // Re-read: only a resident entry answers (the awaited one, unless it was dropped since).
    const loaded = this.days.get(day);
    if (!loaded || loaded.loading) return undefined;
    this.touch(day, loaded);
    return loaded.set;
  }

  private startLoad(day: number): Promise<boolean> {
    const set = new DayKeySet();
    const held = set.bytes + DAY_OVERHEAD_BYTES;
    if (held > this.budget || !this.makeRoom(held, day)) return Promise.resolve(false);
    const entry: DayEntry = { set, loading: true, done: Promise.resolve(false) };
    // Registration and the loadDay call form one synchronous step (see the header): from here on
    // add() feeds this set, and loadDay captures what was accepted before.
    this.days.set(day, entry);
    this.loadingDays.add(day);
    this.bytes += held;
    this.loads++;
    let source: AsyncIterable<KeyChunk> | Iterable<KeyChunk>;
    try {
      source = this.loadDay(day);
    } catch {
      this.loadFailures++;
      this.drop(day, entry);
      return entry.done;
    }
    entry.done = this.fill(day, entry, source);
    return entry.done;
  }

  private async fill(
    day: number,
    entry: DayEntry,
    source: AsyncIterable<KeyChunk> | Iterable<KeyChunk>,
  ): Promise<boolean> {
    try {
      for await (const chunk of source) {
        // add() may have dropped the day (over budget) while the scan ran.
        if (this.days.get(day) !== entry) return false;
        const n = Math.min(chunk.hi.length, chunk.lo.length);
        if (!this.reserve(day, entry, n)) return false;
        for (let i = 0; i < n; i++) entry.set.add(chunk.hi[i] as number, chunk.lo[i] as number);
      }
    } catch {
      // A partial set would answer 'new' for what it missed: drop it; its keys stay 'maybe'.
      this.loadFailures++;
      if (this.days.get(day) === entry) this.drop(day, entry);
      return false;
    }
    if (this.days.get(day) !== entry) return false;
    entry.loading = false;
    this.loadingDays.delete(day);
    this.demand.delete(day);
    this.touch(day, entry);
    return true;
  }

  /**
   * Makes room for `more` further keys in a held day's set. When they cannot fit the day is
   * dropped (cold again, so its keys are 'maybe'), and remembered if it alone exceeds the budget.
   */
  private reserve(day: number, entry: DayEntry, more: number): boolean {
    const extra = entry.set.growthBytes(more);
    if (extra === 0) return true;
    if (entry.set.bytes + extra + DAY_OVERHEAD_BYTES > this.budget) {
      this.drop(day, entry);
      this.dropped++;
      remember(this.oversized, day, true);
      return false;
    }
    if (!this.makeRoom(extra, day)) {
      this.drop(day, entry);
      this.dropped++;
      return false;
    }
    entry.set.reserve(more);
    this.bytes += extra;
    return true;
  }

  /** Evicts least recently used resident days (never loading ones, nor `keep`) to free `extra`. */
  private makeRoom(extra: number, keep: number): boolean {
    if (this.bytes + extra <= this.budget) return true;
    let pinned = 0;
    for (const day of this.loadingDays) pinned += this.heldBytes(day);
    const kept = this.days.get(keep);
    if (kept && !kept.loading) pinned += kept.set.bytes + DAY_OVERHEAD_BYTES;
    if (pinned + extra > this.budget) return false;
    for (const [day, entry] of this.days) {
      if (this.bytes + extra <= this.budget) break;
      if (entry.loading || day === keep) continue;
      this.drop(day, entry);
    }
    return true;
  }

  private heldBytes(day: number): number {
    const entry = this.days.get(day);
    return entry ? entry.set.bytes + DAY_OVERHEAD_BYTES : 0;
  }

  private drop(day: number, entry: DayEntry): void {
    this.days.delete(day);
    this.loadingDays.delete(day);
    this.bytes -= entry.set.bytes + DAY_OVERHEAD_BYTES;
  }

  private touch(day: number, entry: DayEntry): void {
    this.days.delete(day);
    this.days.set(day, entry);
  }
}
