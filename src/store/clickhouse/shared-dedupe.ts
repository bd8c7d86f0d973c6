// Dedupe shared by several Tally processes on one ClickHouse (`writers: 'shared'`). ClickHouse has
// no compare-and-set, so claims are ordered by the claimers' clocks:
//
//  1. claim: insert (key, token, state=0, at=now) for every key of the flush; `acked` is the
//     claimer's clock when ClickHouse acknowledged the insert.
//  2. wait until at + grace (and, trivially, until acked), then read every other row of those
//     keys. Per key:
//     - a commit (state=1) by another token                                  -> duplicate;
//     - the earliest live claim (not released, younger than `staleMs`, ordered by (at, token))
//       is another one                                   -> poll until it commits or goes away;
//     - ours is the earliest, but another live claim Y has at_Y + grace/2 < acked: Y may have
//       read before ours was visible and decided it owns the key -> yield: release the whole
//       claim and claim again (a new, later claim, which then waits for Y);
//     - otherwise                                                            -> we own it.
//  3. the owner writes the event and its rows, then a commit row; on failure, a release row. An
//     owner that cannot start its write within staleMs/2 of its claim claims again instead.
//
// Correctness. Assume (A) an acknowledged insert is seen by every later read, (B) the clocks of
// the Tally processes differ by less than grace/2, (C) an owner finishes its write within staleMs/2
// of the check in step 3. Suppose two live claims X and Y of one key both own it, and Y read first
// (r_Y <= r_X). Y's claim was acknowledged before r_Y, so X's read saw it (A); X owns, so X comes
// first in (at, token). Y owns although X is earlier, so Y did not see X: r_Y came before X's rows
// were visible, hence before acked_X. Y reads no earlier than at_Y + grace, so in real time
// at_Y + grace < acked_X, and on X's clock at_Y + grace/2 < acked_X (B): X yields instead of
// owning. Contradiction. Claims ignored as stale cannot write any more (C), so ignoring them is safe.
// Nothing here bounds how long a claim insert may take: a slow claim only loses ties it can no
// longer prove it won. A fast claim (acked <= at + grace/2) never yields, since any claim ordered
// after it has at_Y >= at_X. Waits only ever point at earlier claims, and a yield is followed by a
// later claim, so there is no cycle; contention is retried until `deadlineMs` has passed.
//
// A crashed owner's claim goes stale after `staleMs`, after which a retry of the same event is
// accepted. Every process must use the same grace.

import type { ChConnection } from './client.js';
import type { Claim, Decision, Dedupe } from './dedupe.js';
import {
  CLAIM,
  COMMIT,
  type EventKey,
  insertKeyRows,
  type KeyRow,
  keyOf,
  keyOfRow,
  RELEASE,
  readKeyRows,
} from './key-rows.js';
import { lit } from './quote.js';
import { StoreUnavailableError as UnavailableError } from './unavailable.js';

export interface SharedDedupeOptions {
  /** How long a claim waits before deciding; twice the clock skew the protocol tolerates. */
  graceMs: number;
  /** After this long an uncommitted claim is considered abandoned (its owner crashed). */
  staleMs: number;
  /** How often a key held by another in-flight claim is re-read. */
  pollMs: number;
  /** How long one flush may keep claiming again (contention, expired claims) before a 503. */
  deadlineMs: number;
  insertSettings: Record<string, number>;
  /** The clock claims are ordered by (tests inject one). */
  now?: () => number;
}

let tokenSeq = 0;
const PROCESS_TAG = `${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

type Judged = { kind: 'decided'; owned: boolean[] } | { kind: 'yield' };

export class SharedDedupe implements Dedupe {
  private readonly now: () => number;

  constructor(
    private readonly conn: ChConnection,
    private readonly opts: SharedDedupeOptions,
  ) {
    this.now = opts.now ?? (() => Date.now());
  }

  async claim(keys: readonly EventKey[]): Promise<Claim> {
    const token = `${PROCESS_TAG}-${(tokenSeq++).toString(36)}`;
    const at = this.now();
    await this.write(keys, token, CLAIM, at);
    return { token, at, acked: this.now() };
  }

  async decide(keys: readonly EventKey[], first: Claim): Promise<Decision> {
    const deadline = this.now() + this.opts.deadlineMs;
    let claim = first;
    try {
      for (;;) {
        await sleep(claim.at + this.opts.graceMs - this.now());
        const judged = await this.judgeAll(keys, claim, deadline);
        if (judged.kind === 'decided') return { claim, owned: judged.owned };
        await this.release(keys, claim.token);
        if (this.now() > deadline) {
          throw new UnavailableError('event ids contended by other Tally processes', 1);
        }
        claim = await this.claim(keys);
      }
    } catch (err) {
      // The caller releases the claim it passed in; a replacement claimed here is ours to withdraw.
      if (claim !== first) await this.release(keys, claim.token).catch(() => undefined);
      throw err;
    }
  }

  commitMany(claims: readonly { keys: readonly EventKey[]; token: string }[]): Promise<void> {
    return insertKeyRows(this.conn, claims, COMMIT, this.now(), this.opts.insertSettings);
  }

  release(keys: readonly EventKey[], token: string): Promise<void> {
    return this.write(keys, token, RELEASE, this.now());
  }

  stillOwner(claim: Claim): boolean {
    return this.now() - claim.at < this.opts.staleMs / 2;
  }

  private async judgeAll(keys: readonly EventKey[], claim: Claim, deadline: number) {
    const verdict = new Map<string, boolean | undefined>();
    let pending = [...keys];
    while (pending.length > 0) {
      // Only other tokens' rows are read: our own rows for these keys are exactly our claim
      // (acknowledged before this read), added back here. Without contention the read returns
      // nothing, instead of one row per key to send, parse and group.
      const rows = await readKeyRows(this.conn, pending, `token != ${lit(claim.token)}`);
      const byKey = new Map<string, KeyRow[]>();
      for (const r of rows) {
        const id = keyOfRow(r);
        const list = byKey.get(id);
        if (list) list.push(r);
        else byKey.set(id, [r]);
      }
      const staleBefore = this.now() - this.opts.staleMs;
      const next: EventKey[] = [];
      for (const k of pending) {
        const id = keyOf(k);
        const others = byKey.get(id);
        if (others === undefined) {
          verdict.set(id, true);
          continue;
        }
        const own: KeyRow = {
          account_id: k.accountId,
          source: k.source,
          id: k.id,
          token: claim.token,
          state: CLAIM,
          at: String(claim.at),
        };
        const result = judge([...others, own], claim, staleBefore, this.opts.graceMs);
        if (result === 'yield') return { kind: 'yield' } satisfies Judged;
        if (result === 'wait') next.push(k);
        else verdict.set(id, result === 'own');
      }
      pending = next;
      if (pending.length > 0) {
        if (this.now() > deadline) {
          throw new UnavailableError('event ids held by another in-flight ingest', 1);
        }
        await sleep(this.opts.pollMs);
      }
    }
    return {
      kind: 'decided',
      owned: keys.map((k) => verdict.get(keyOf(k)) === true),
    } satisfies Judged;
  }

  private write(keys: readonly EventKey[], token: string, state: number, at: number) {
    return insertKeyRows(this.conn, [{ keys, token }], state, at, this.opts.insertSettings);
  }
}

/**
 * The verdict for one key from all its rows (ours included): pure, so the protocol's rule is
 * testable alone. `claim` is ours; see the header for the rules.
 */
export function judge(
  rows: readonly KeyRow[],
  claim: Pick<Claim, 'token' | 'acked'>,
  staleBefore: number,
  graceMs: number,
): 'own' | 'duplicate' | 'wait' | 'yield' {
  const released = new Set<string>();
  for (const r of rows) {
    if (Number(r.state) === COMMIT && r.token !== claim.token) return 'duplicate';
    if (Number(r.state) === RELEASE) released.add(r.token);
  }
  const live: { at: number; token: string }[] = [];
  for (const r of rows) {
    if (Number(r.state) !== CLAIM || released.has(r.token)) continue;
    const at = Number(r.at);
    if (r.token !== claim.token && at < staleBefore) continue;
    live.push({ at, token: r.token });
  }
  let best: { at: number; token: string } | undefined;
  for (const c of live) {
    if (!best || c.at < best.at || (c.at === best.at && c.token < best.token)) best = c;
  }
  if (best && best.token !== claim.token) return 'wait';
  // Ours is the earliest: a later claim that may have read before ours was visible wins instead.
  for (const c of live) {
    if (c.token !== claim.token && c.at + graceMs / 2 < claim.acked) return 'yield';
  }
  return 'own';
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
