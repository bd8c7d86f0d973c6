// When something readers may still use can go: an archive file no longer listed by the views (a
// read that started before the swap may still be binding or scanning the old files; DuckDB opens
// a file list's files as it reaches them), or the rows of a dropped rollup slot (a read may have
// chosen the rollup just before the drop). Such work waits until every read that entered before it
// was asked for left.
import { rmSync } from 'node:fs';

export class ReadGate {
  /** Reads in flight, counted by the epoch they entered in. */
  private readonly active = new Map<number, number>();
  private epoch = 0;
  /** Work asked for at an epoch: it waits for the reads of that epoch or earlier. */
  private waitingWork: { epoch: number; paths: string[]; run?: () => void }[] = [];

  constructor(private readonly remove: (path: string) => void = removeQuietly) {}

  /** Marks a read as started; call the returned function once it finished (streams included). */
  enter(): () => void {
    const at = this.epoch;
    this.active.set(at, (this.active.get(at) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const n = (this.active.get(at) ?? 1) - 1;
      if (n > 0) this.active.set(at, n);
      else this.active.delete(at);
      this.sweep();
    };
  }

  async read<T>(fn: () => Promise<T>): Promise<T> {
    const leave = this.enter();
    try {
      return await fn();
    } finally {
      leave();
    }
  }

  /** `paths` are no longer read by reads that start from now on: deleted once older reads end. */
  retire(paths: readonly string[]): void {
    if (paths.length > 0) this.waitingWork.push({ epoch: this.epoch, paths: [...paths] });
    this.epoch++;
    this.sweep();
  }

  /** Runs `run` once every read that entered before this call left (at once when none runs). */
  afterEarlierReads(run: () => void): void {
    this.waitingWork.push({ epoch: this.epoch, paths: [], run });
    this.epoch++;
    this.sweep();
  }

  /** Files retired and still waiting for reads to finish (tests, diagnostics). */
  waiting(): string[] {
    return this.waitingWork.flatMap((r) => r.paths);
  }

  private sweep(): void {
    let oldest = Number.POSITIVE_INFINITY;
    for (const at of this.active.keys()) oldest = Math.min(oldest, at);
    const keep: typeof this.waitingWork = [];
    const due: typeof this.waitingWork = [];
    for (const w of this.waitingWork) (w.epoch < oldest ? due : keep).push(w);
    this.waitingWork = keep;
    for (const w of due) {
      for (const p of w.paths) this.remove(p);
      w.run?.();
    }
  }
}

/** A file left behind is deleted at the next start (month-archive.ts), so a failure is not fatal. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // see above
  }
}
