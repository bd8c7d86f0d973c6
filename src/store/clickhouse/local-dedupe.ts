// Dedupe when this process is the only one writing its identities: the only Tally process on the
// database (`writers: 'single'`, the default), or the owner of the identities' slot
// (`writers: 'coordinated'`, coordinated-writes.ts, whose fence keeps a former owner's writes
// out). Whoever else could store an identity is inside this process, so the decision needs no
// clock, no grace and no retries:
//
//  - claim: every identity is chained behind the flush of this process that claimed it last and
//    has not finished (a promise on that flush's hold), so claims of one identity are serialized;
//    the commits of the identities nobody holds are read from event_keys at once;
//  - decide: an identity whose previous holder committed is a duplicate; one whose previous holder
//    released is read from event_keys then (a commit that timed out may still have landed); an
//    identity found committed is a duplicate (stored by an earlier run of this process); the rest
//    are owned;
//  - commit writes one commit row per owned identity (the only event_keys rows this mode writes)
//    and then wakes the flushes chained behind; release only wakes them, to decide again.
//
// Correctness: an identity is owned only by the first flush of the chain whose predecessors all
// released and whose read found no commit; every later flush of the chain reads only after that
// owner committed or released, and a commit is acknowledged (so visible to the read) before the
// next flush is woken. Two processes writing one account without slots would lose that argument:
// several processes must use `writers: 'coordinated'`.
import { randomUUID } from 'node:crypto';
import type { ChConnection } from './client.js';
import type { Claim, Decision, Dedupe, Landed } from './dedupe.js';
import {
  CLAIM,
  COMMIT,
  type EventKey,
  insertKeyRows,
  keyOf,
  keyOfRow,
  readKeyRows,
} from './key-rows.js';

/** A write that claimed identities of an account under `token` and never committed them. */
export interface UnfinishedWrite {
  accountId: string;
  token: string;
}

/** What the unfinished writes stored, by writeKey: events rows, meter rows (coordinated mode). */
export interface UnfinishedWrites {
  landed(writes: readonly UnfinishedWrite[]): Promise<Map<string, Landed>>;
}

export function writeKey(w: UnfinishedWrite): string {
  return `${w.accountId.length}:${w.accountId}${w.token}`;
}

/**
 * One flush's hold on one identity: settled true once committed, false once released. The promise
 * of that outcome is made only when a later flush chains behind the hold: without contention (the
 * usual case, up to a flush's 50 000 identities) there is none to allocate and await.
 */
interface Hold {
  id: string;
  settled: boolean;
  outcome?: Promise<boolean>;
  resolve?: (committed: boolean) => void;
}

interface LocalClaim {
  holds: Hold[];
  /** The keys (by index) chained behind a holder in flight when this claim was made. */
  waits: { i: number; outcome: Promise<boolean> }[];
  /** Keys without such a holder that the claim's read found committed. */
  committed: Set<string>;
  /** Keys that unfinished writes stored in part (coordinated mode). */
  landed: Map<string, Landed>;
}

export class LocalDedupe implements Dedupe {
  private readonly latest = new Map<string, Hold>();
  private readonly claims = new Map<string, LocalClaim>();
  private seq = 0;
  /** Unique per process run: an unfinished write's rows are found by its token. */
  private readonly tokenPrefix = randomUUID();

  /**
   * `coordinated`: the writer stores claims and commits in the same insert as the rows
   * (incoming-rows.ts), so commitMany only wakes the flushes chained behind; and for an identity
   * claimed by a write that never committed (it failed part way and its process gave up or lost
   * the slot), `landed` says which of that write's parts are stored, so that the new write stores
   * only the rest.
   */
  constructor(
    private readonly conn: ChConnection,
    private readonly insertSettings: Record<string, number>,
    private readonly coordinated?: UnfinishedWrites,
  ) {}

  /**
   * Chains the keys behind their in-flight holders at once, then reads the commits of the keys
   * nobody in this process holds. The read is the writer's stage 1 (one flush at a time), so
   * appends arriving meanwhile share the next flush and its read.
   */
  async claim(keys: readonly EventKey[]): Promise<Claim> {
    const token = `${this.tokenPrefix}-${(this.seq++).toString(36)}`;
    const holds: Hold[] = [];
    const waits: LocalClaim['waits'] = [];
    const free: EventKey[] = [];
    keys.forEach((k, i) => {
      const id = keyOf(k);
      const previous = this.latest.get(id);
      if (previous) waits.push({ i, outcome: outcomeOf(previous) });
      else free.push(k);
      const hold: Hold = { id, settled: false };
      this.latest.set(id, hold);
      holds.push(hold);
    });
    const state: LocalClaim = { holds, waits, committed: new Set(), landed: new Map() };
    this.claims.set(token, state);
    try {
      const read = await this.committed(free);
      state.committed = read.committed;
      state.landed = read.landed;
    } catch (err) {
      this.finish(keys, token, false);
      throw err;
    }
    return { token };
  }

  /** Waits for the chained holders; keys they released are read again (a commit may have landed). */
  async decide(keys: readonly EventKey[], claim: Claim): Promise<Decision> {
    const state = this.claims.get(claim.token);
    if (!state) throw new Error(`unknown local claim ${claim.token}`);
    const owned = new Array<boolean>(keys.length).fill(true);
    const duplicate = (i: number) => {
      owned[i] = false;
      this.settle(state.holds[i], true);
    };
    if (state.committed.size > 0) {
      state.holds.forEach((h, i) => {
        if (state.committed.has(h.id)) duplicate(i);
      });
    }
    const reread: number[] = [];
    if (state.waits.length > 0) {
      const earlier = await Promise.all(state.waits.map((w) => w.outcome));
      state.waits.forEach((w, j) => {
        if (earlier[j]) duplicate(w.i);
        else reread.push(w.i);
      });
    }
    if (reread.length > 0) {
      const read = await this.committed(reread.map((i) => keys[i] as EventKey));
      for (const i of reread) if (read.committed.has(state.holds[i]?.id ?? '')) duplicate(i);
      for (const [id, l] of read.landed) state.landed.set(id, l);
    }
    this.forgetIfDone(claim.token, state);
    if (state.landed.size === 0) return { owned };
    const landed = state.holds.map((h, i) => (owned[i] ? state.landed.get(h.id) : undefined));
    return { owned, landed };
  }

  /**
   * The identities among `keys` with a commit; in coordinated mode also, for the others, what
   * unfinished writes of them stored (claims without a commit).
   */
  private async committed(
    keys: readonly EventKey[],
  ): Promise<{ committed: Set<string>; landed: Map<string, Landed> }> {
    const landed = new Map<string, Landed>();
    if (keys.length === 0) return { committed: new Set(), landed };
    if (!this.coordinated) {
      const rows = await readKeyRows(this.conn, keys, `state = ${COMMIT}`);
      return { committed: new Set(rows.map(keyOfRow)), landed };
    }
    const rows = await readKeyRows(this.conn, keys, `state IN (${CLAIM}, ${COMMIT})`);
    const committed = new Set(rows.filter((r) => Number(r.state) === COMMIT).map(keyOfRow));
    const unfinished = rows.filter((r) => Number(r.state) === CLAIM && !committed.has(keyOfRow(r)));
    if (unfinished.length === 0) return { committed, landed };
    const parts = await this.coordinated.landed(
      unfinished.map((r) => ({ accountId: r.account_id, token: r.token })),
    );
    for (const r of unfinished) {
      const got = parts.get(writeKey({ accountId: r.account_id, token: r.token }));
      if (!got || (!got.events && !got.rows)) continue;
      const id = keyOfRow(r);
      const had = landed.get(id);
      landed.set(id, {
        events: got.events || (had?.events ?? false),
        rows: got.rows || (had?.rows ?? false),
      });
    }
    return { committed, landed };
  }

  async commitMany(claims: readonly { keys: readonly EventKey[]; token: string }[]) {
    if (!this.coordinated) {
      await insertKeyRows(this.conn, claims, COMMIT, Date.now(), this.insertSettings);
    }
    for (const c of claims) this.finish(c.keys, c.token, true);
  }

  release(keys: readonly EventKey[], token: string): Promise<void> {
    this.finish(keys, token, false);
    return Promise.resolve();
  }

  private finish(keys: readonly EventKey[], token: string, committed: boolean): void {
    const state = this.claims.get(token);
    if (!state) return;
    const ids = new Set(keys.map(keyOf));
    for (const hold of state.holds) if (ids.has(hold.id)) this.settle(hold, committed);
    this.forgetIfDone(token, state);
  }

  private forgetIfDone(token: string, state: LocalClaim): void {
    if (state.holds.every((h) => h.settled)) this.claims.delete(token);
  }

  private settle(hold: Hold | undefined, committed: boolean): void {
    if (!hold || hold.settled) return;
    hold.settled = true;
    hold.resolve?.(committed);
    if (this.latest.get(hold.id) === hold) this.latest.delete(hold.id);
  }
}

/** The outcome of a hold still open, for a flush that chains behind it. */
function outcomeOf(hold: Hold): Promise<boolean> {
  hold.outcome ??= new Promise<boolean>((resolve) => {
    hold.resolve = resolve;
  });
  return hold.outcome;
}
