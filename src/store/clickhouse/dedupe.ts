// Dedupe of event identities (account, source, id) at ingest (never by query-time FINAL), as the
// writer sees it: claim a flush's identities, decide which of them this flush owns, then commit
// the owned ones after their rows are stored, or release them on failure. One implementation,
// LocalDedupe (local-dedupe.ts): every identity is written by one Tally process, either the only
// one (`writers: 'single'`) or the owner of its account's slot (`writers: 'coordinated'`,
// coordinated-writes.ts), so the decision needs no clock.
import type { EventKey } from './key-rows.js';

export { type EventKey, keyOf } from './key-rows.js';

export type WritersMode = 'single' | 'coordinated';

export interface Claim {
  token: string;
}

/** What an unfinished write of an identity stored before it failed (coordinated mode). */
export interface Landed {
  events: boolean;
  rows: boolean;
}

export interface Decision {
  /** Per key, in order: true when this claim owns it (the caller writes it), false for a duplicate. */
  owned: boolean[];
  /**
   * Per key (coordinated mode, when any): for an owned key that an unfinished write stored in part,
   * the parts not to store again; the caller still writes its claim and commit.
   */
  landed?: (Landed | undefined)[];
}

export interface Dedupe {
  /**
   * Claims `keys` (distinct). Split from `decide` so that the writer can start the next flush's
   * claim while this one waits (group commit: many flushes share the wait).
   */
  claim(keys: readonly EventKey[]): Promise<Claim>;
  decide(keys: readonly EventKey[], claim: Claim): Promise<Decision>;
  /** Commits several claims' owned keys in one insert (the writer's group commit). */
  commitMany(claims: readonly { keys: readonly EventKey[]; token: string }[]): Promise<void>;
  release(keys: readonly EventKey[], token: string): Promise<void>;
}
