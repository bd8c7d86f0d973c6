// Which subjects of which numeric meters have rollup rows of their own (table rollup_subjects,
// subject-schema.ts), and whether those rows are complete. RollupMeters owns one and keeps it in
// step with the meters: a meter that stops being numeric forgets its subjects.

export class TrackedSubjects {
  /** meter id -> subject -> whether its rows are complete. */
  private readonly byMeter = new Map<string, Map<string, boolean>>();

  clear(): void {
    this.byMeter.clear();
  }

  /** Whether any subject is tracked. */
  any(): boolean {
    return this.byMeter.size > 0;
  }

  has(meterId: string, subject: string): boolean {
    return this.byMeter.get(meterId)?.has(subject) === true;
  }

  /** Whether every one of `subjects` (at least one) is tracked and complete. */
  allReady(meterId: string, subjects: readonly string[]): boolean {
    const tracked = this.byMeter.get(meterId);
    if (!tracked || subjects.length === 0) return false;
    return subjects.every((s) => tracked.get(s) === true);
  }

  state(meterId: string, subject: string): 'ready' | 'building' | undefined {
    const done = this.byMeter.get(meterId)?.get(subject);
    return done === undefined ? undefined : done ? 'ready' : 'building';
  }

  /** The meter's tracked subjects (built or not), sorted. */
  of(meterId: string): string[] {
    return [...(this.byMeter.get(meterId)?.keys() ?? [])].sort();
  }

  track(meterId: string, subject: string, ready: boolean): void {
    let m = this.byMeter.get(meterId);
    if (!m) {
      m = new Map();
      this.byMeter.set(meterId, m);
    }
    m.set(subject, ready);
  }

  markReady(meterId: string, subject: string): void {
    const m = this.byMeter.get(meterId);
    if (m?.has(subject)) m.set(subject, true);
  }

  forgetMeter(meterId: string): void {
    this.byMeter.delete(meterId);
  }

  /** Subjects whose rows are not built yet, as [meter id, subject], in a stable order. */
  pending(): [string, string][] {
    return this.meters().flatMap((id) =>
      this.of(id)
        .filter((s) => this.state(id, s) === 'building')
        .map((s): [string, string] => [id, s]),
    );
  }

  /** Every tracked subject as `meterId:subject`, " (building)" until complete, in a stable order. */
  list(): string[] {
    return this.meters().flatMap((id) =>
      this.of(id).map((s) => `${id}:${s}${this.state(id, s) === 'ready' ? '' : ' (building)'}`),
    );
  }

  private meters(): string[] {
    return [...this.byMeter.keys()].sort();
  }
}
