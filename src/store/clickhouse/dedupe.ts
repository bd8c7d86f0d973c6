// Dedupe of event identities (account, source, id) at ingest (never by query-time FINAL), as the
// writer sees it: claim a flush's identities, decide which of them this flush owns, then commit
// the owned ones after their rows are stored, or release them on failure. Two implementations:
//
//  - LocalDedupe (local-dedupe.ts, `writers: 'single'`, the default): one Tally process writes to
//    the database. Claims are serialized per identity inside the process and checked against the
//    commits already in ClickHouse; nothing depends on clocks or on how fast ClickHouse answers.
//  - SharedDedupe (shared-dedupe.ts, `writers: 'shared'`): several Tally processes write to the
//    same database. ClickHouse has no compare-and-set, so claims are ordered by the claimers'
//    clocks, with a grace period; its header holds the protocol and its correctness argument.
//
// Both keep their state in event_keys (key-rows.ts), so a database can move from one mode to the
// other while every Tally process is stopped.
import type { EventKey } from './key-rows.js';

export { type EventKey, keyOf } from './key-rows.js';

export type WritersMode = 'single' | 'shared';

export interface Claim {
  token: string;
  /** The claimer's clock when the claim was sent (0 for a local claim: no clock involved). */
  at: number;
  /** The claimer's clock when ClickHouse acknowledged the claim rows. */
  acked: number;
}

export interface Decision {
  /** The claim the verdicts belong to: a shared claim that had to yield is replaced by a new one. */
  claim: Claim;
  /** Per key, in order: true when this claim owns it (the caller writes it), false for a duplicate. */
  owned: boolean[];
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
  /** Whether the owner of `claim` may still write its rows (false: claim again first). */
  stillOwner(claim: Claim): boolean;
}
