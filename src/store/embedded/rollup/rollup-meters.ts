// What the store knows of each meter's rollup: which meters have one (live numeric meters, by
// their dimension count, which decides the slots a fold writes; live UNIQUE_COUNT meters, whose
// rollup is their daily distinct values in distinct_1d) and which of those have complete rollup
// rows (table rollup_ready), the only ones queries may read from it, and the subjects of numeric
// meters tracked with rows of their own (tracked-subjects.ts). Changes that alter a
// meter's rollup (created, dimension count changed, deleted) run where no fold and no rebuild is
// under way (duckdb-store.ts putMeter), so a fold's slots and a rebuild's never disagree.
import type { MeterDefinition } from '../../../meter/meter-definition.js';
import { TrackedSubjects } from './tracked-subjects.js';

/** Whether a meter is aggregated from numeric values (all but UNIQUE_COUNT). */
function numeric(m: MeterDefinition): boolean {
  return m.aggregation !== 'UNIQUE_COUNT';
}

const NONE: ReadonlySet<number> = new Set();

/** The rollup a meter has: numeric rows with this many dimension slots, daily distinct values, or none. */
type Shape = number | 'distinct' | undefined;

function shapeOf(m: MeterDefinition): Shape {
  if (m.deletedAt) return undefined;
  return numeric(m) ? m.dimensions.length : 'distinct';
}

export class RollupMeters {
  /** Live numeric meters: id -> dimension count. */
  private readonly dimensions = new Map<string, number>();
  /** Live UNIQUE_COUNT meters (their rollup is distinct_1d). */
  private readonly distinct = new Set<string>();
  private readonly ready = new Set<string>();
  /** Slots left out of a meter's rollup (table rollup_dropped_slots). */
  private readonly dropped = new Map<string, Set<number>>();
  /** Tracked subjects of numeric meters, and whether their rows are complete (rollup_subjects). */
  private readonly subjects = new TrackedSubjects();

  /** The meters as stored, those rollup_ready lists, and the slots rollup_dropped_slots lists. */
  load(
    meters: readonly MeterDefinition[],
    ready: Iterable<string>,
    dropped: Iterable<readonly [string, number]> = [],
    subjects: Iterable<readonly [meterId: string, subject: string, ready: boolean]> = [],
  ): void {
    this.dimensions.clear();
    this.distinct.clear();
    this.ready.clear();
    this.dropped.clear();
    this.subjects.clear();
    for (const m of meters) this.set(m.id, shapeOf(m));
    for (const id of ready) if (this.tracked(id)) this.ready.add(id);
    for (const [id, slot] of dropped) if (this.dimensions.has(id)) this.drop(id, slot);
    for (const [id, subject, done] of subjects) {
      if (this.dimensions.has(id)) this.trackSubject(id, subject, done);
    }
  }

  /**
   * The meter's dimension count if folds write rows per subject for `subject` (tracked, built or
   * not, of a numeric meter). Called per event and meter row: one or two map lookups.
   */
  readonly subjectDimensionsOf = (meterId: string, subject: string): number | undefined =>
    this.subjects.has(meterId, subject) ? this.dimensions.get(meterId) : undefined;

  /** Whether any subject is tracked (folds skip the per-subject aggregate otherwise). */
  hasSubjects(): boolean {
    return this.subjects.any();
  }

  /**
   * The meter's dimension count if its rollup and the rows of every one of `subjects` are
   * complete (queries confined to them may read subject_rollup_15m), else undefined.
   */
  subjectsReadyDimensions(meterId: string, subjects: readonly string[]): number | undefined {
    return this.subjects.allReady(meterId, subjects) ? this.readyDimensions(meterId) : undefined;
  }

  /** Live numeric meters (those whose subjects may be tracked), in a stable order. */
  numericMeters(): string[] {
    return [...this.dimensions.keys()].sort();
  }

  /** Whether the subject is tracked for the meter, and if so whether its rows are complete. */
  subjectState(meterId: string, subject: string): 'ready' | 'building' | undefined {
    return this.subjects.state(meterId, subject);
  }

  /** The meter's tracked subjects (built or not). */
  readonly subjectsOf = (meterId: string): string[] => this.subjects.of(meterId);

  /** From now on folds write the subject's rows (a numeric meter's); `ready` once complete. */
  trackSubject(meterId: string, subject: string, ready = false): void {
    if (this.dimensions.has(meterId)) this.subjects.track(meterId, subject, ready);
  }

  /** The subject's rows are complete (built, or rebuilt with its meter's). */
  markSubjectReady(meterId: string, subject: string): void {
    this.subjects.markReady(meterId, subject);
  }

  /** Tracked subjects whose rows are not built yet, as [meter id, subject], in a stable order. */
  pendingSubjects(): [string, string][] {
    return this.subjects.pending();
  }

  /** Every tracked subject as `meterId:subject` with its state, in a stable order. */
  subjectList(): string[] {
    return this.subjects.list();
  }

  /** The slots folds and reads leave out of the meter's rollup. */
  readonly droppedSlots = (meterId: string): ReadonlySet<number> =>
    this.dropped.get(meterId) ?? NONE;

  /** From now on folds write no rows for the slot, and queries on it read the meter rows. */
  drop(meterId: string, slot: number): void {
    let set = this.dropped.get(meterId);
    if (!set) {
      set = new Set();
      this.dropped.set(meterId, set);
    }
    set.add(slot);
  }

  /** The meter's dimension count if folds write rollup rows for it. */
  readonly dimensionsOf = (meterId: string): number | undefined => this.dimensions.get(meterId);

  /** The meter's dimension count if its rollup rows are complete (queries may read them). */
  readyDimensions(meterId: string): number | undefined {
    return this.ready.has(meterId) ? this.dimensions.get(meterId) : undefined;
  }

  /** Whether folds write daily distinct rows for the meter (a live UNIQUE_COUNT meter). */
  readonly distinctOf = (meterId: string): boolean => this.distinct.has(meterId);

  /** Whether the meter's daily distinct rows are complete (queries may read them). */
  readonly distinctReady = (meterId: string): boolean =>
    this.ready.has(meterId) && this.distinct.has(meterId);

  /** Whether storing `m` changes which rollup rows a fold writes for it. */
  affects(m: MeterDefinition): boolean {
    return this.shape(m.id) !== shapeOf(m);
  }

  /** `m` as stored from now on; its rollup is no longer complete if it changed. */
  put(m: MeterDefinition): void {
    if (!this.affects(m)) return;
    this.ready.delete(m.id);
    // Its slots change meaning: each is judged again (the redefinition forgets the table's rows).
    this.dropped.delete(m.id);
    this.set(m.id, shapeOf(m));
  }

  /** The meter's rollup is complete, with the rows of `subjects` (rebuilt with it). */
  markReady(meterId: string, subjects: readonly string[] = []): void {
    if (this.tracked(meterId)) this.ready.add(meterId);
    for (const s of subjects) this.markSubjectReady(meterId, s);
  }

  /** Whether the meter has a rollup of either kind. */
  private tracked(meterId: string): boolean {
    return this.dimensions.has(meterId) || this.distinct.has(meterId);
  }

  private shape(meterId: string): Shape {
    return this.distinct.has(meterId) ? 'distinct' : this.dimensions.get(meterId);
  }

  private set(meterId: string, shape: Shape): void {
    this.dimensions.delete(meterId);
    this.distinct.delete(meterId);
    // Tracked subjects stay with a numeric meter (its rebuild rebuilds theirs), not otherwise.
    if (typeof shape !== 'number') this.subjects.forgetMeter(meterId);
    if (shape === 'distinct') this.distinct.add(meterId);
    else if (shape !== undefined) this.dimensions.set(meterId, shape);
  }

  unready(meterId: string): void {
    this.ready.delete(meterId);
  }

  /** Meters with a rollup that is not complete, in a stable order. */
  pending(): string[] {
    return [...this.dimensions.keys(), ...this.distinct].filter((id) => !this.ready.has(id)).sort();
  }

  /** Every dropped slot as `meterId:slot`, in a stable order. */
  droppedList(): string[] {
    return [...this.dropped.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([id, slots]) => [...slots].sort((a, b) => a - b).map((s) => `${id}:${s}`));
  }

  /** Meters whose rollup is complete. */
  readyMeters(): string[] {
    return [...this.ready].sort();
  }
}
