// Which Tally process owns which slot, through ZooKeeper (layout in slot-paths.ts).
//
// A member holds a slot while its session owns the ephemeral node slots/<n>. The node's czxid is
// the slot's epoch: ZooKeeper's transaction ids only grow, so a later holder always has a larger
// epoch, without any clock. Members re-balance whenever a watch reports a change of members/ or
// slots/: each aims at its target share (fair-share.ts), grabs free slots up to it and releases
// the ones above it. Timers are used only to retry after a failure, never to decide anything.
//
// Lifecycle: join() -> ... -> close() or session expiry. Both are final: onLost is called for every
// held slot and the object does nothing more (`done` resolves); to take part again, connect a new
// ZkSession and make a new SlotOwnership.
//
// While the session is merely 'disconnected' the slots still count as held: the session may still
// be alive, and the client only learns of an expiry when it reconnects. What keeps a member that
// has lost its slots unknowingly from doing harm is the fence in createIntent (slot-intents.ts).
import { targetShare } from './fair-share.js';
import { SlotNotHeldError } from './slot-errors.js';
import {
  createFencedIntent,
  deleteIntentNode,
  type Intent,
  listIntentNodes,
} from './slot-intents.js';
import { fnv1a32 } from './slot-of.js';
import { checkNodeName, type SlotPaths, slotPaths } from './slot-paths.js';
import { encodeSlotNode, readSlotView, type SlotView } from './slot-view.js';
import { isConnectionLoss, ZkError } from './zk-error.js';
import type { ZkSession } from './zk-session.js';

export interface SlotOwner {
  memberId: string;
  /** Where this member takes forwarded ingest. */
  url: string;
  epoch: bigint;
}

/**
 * released: given up by this member (re-balance, or onAcquired failed); closed: close();
 * expired: the session expired; taken: the node vanished or changed hands while the session lived
 * (someone deleted it by hand).
 */
export type SlotLossReason = 'released' | 'closed' | 'expired' | 'taken';

export interface SlotOwnershipOptions {
  namespace: string;
  /** Unique among the processes of the namespace; a second session with it waits for the first. */
  memberId: string;
  url: string;
  /** Every member of a namespace must use the same number. */
  slots: number;
  /**
   * Awaited after the slot node is created and before owns() reports the slot: replay the slot's
   * intents here. If it throws, the slot is released again (onLost 'released') and retried later.
   */
  onAcquired?: (slot: number, epoch: bigint) => Promise<void> | void;
  /**
   * Awaited before a held slot's node is deleted (re-balance or close()); owns() still reports the
   * slot meanwhile, so finish or hand over in-flight work here. If it throws, the slot is kept and
   * the release retried later (close() goes on regardless).
   */
  beforeRelease?: (slot: number) => Promise<void> | void;
  /** Called exactly once for every slot whose onAcquired was called. */
  onLost?: (slot: number, reason: SlotLossReason) => void;
  /** Failures that were handled by retrying (the default logs nothing). */
  onError?: (error: unknown) => void;
  /** Wait before retrying after a failed hook; a lost connection is retried on reconnect. */
  retryDelayMs?: number;
}

interface Held {
  epoch: bigint;
  /** The version of fences/<n> this member set when acquiring: the fence of its intents. */
  fence: number;
  /** onAcquired has completed. */
  owned: boolean;
}

export class SlotOwnership {
  readonly memberId: string;
  readonly slots: number;
  readonly paths: SlotPaths;
  /** Resolves when the object is finished, with why. */
  readonly done: Promise<'closed' | 'expired'>;

  readonly #options: SlotOwnershipOptions;
  readonly #held = new Map<number, Held>();
  #view: SlotView = { members: [], taken: new Set(), holders: new Map() };
  readonly #listeners = new Set<() => void>();
  #finished: 'closed' | 'expired' | undefined;
  #resolveDone: (reason: 'closed' | 'expired') => void = () => {};
  #joined = false;
  #stopping = false;
  #closing: Promise<void> | undefined;
  #dirty = false;
  #busy = false;
  #running: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #stopStateWatch: () => void;

  /** Takes over `session`: close() and expiry end it together with this object. */
  constructor(
    readonly session: ZkSession,
    options: SlotOwnershipOptions,
  ) {
    checkNodeName('memberId', options.memberId);
    if (!Number.isInteger(options.slots) || options.slots < 1) {
      throw new RangeError(`slots must be a positive integer, got ${options.slots}`);
    }
    this.#options = options;
    this.memberId = options.memberId;
    this.slots = options.slots;
    this.paths = slotPaths(options.namespace);
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    this.#stopStateWatch = session.onState((state) => {
      if (state === 'expired' || state === 'closed') this.#finish(state);
      // Watches survive a reconnect, but a fresh read costs little and covers a lost request.
      else if (state === 'connected') this.#schedule();
    });
    if (session.state === 'expired' || session.state === 'closed') this.#finish(session.state);
  }

  get finished(): 'closed' | 'expired' | undefined {
    return this.#finished;
  }

  /** Registers this member and takes a first share of the free slots. */
  async join(): Promise<void> {
    if (this.#joined) throw new Error('SlotOwnership.join() called twice');
    if (this.#finished) throw new Error(`SlotOwnership is ${this.#finished}`);
    const { members, slots, fences, intents } = this.paths;
    for (const path of [members, slots, fences, intents]) {
      await this.session.mkdirp(path);
    }
    await this.#ensureMember();
    this.#joined = true;
    this.#schedule();
    await this.#running;
  }

  /** The slot's holder as last read (watches keep it current); undefined when it is free. */
  ownerOf(slot: number): SlotOwner | undefined {
    const holder = this.#view.holders.get(slot);
    return holder && { memberId: holder.memberId, url: holder.url, epoch: holder.epoch };
  }

  /** The epoch under which this member owns the slot, once onAcquired has completed. */
  owns(slot: number): bigint | undefined {
    const held = this.#held.get(slot);
    return held?.owned ? held.epoch : undefined;
  }

  /** The slots owns() reports, ascending. */
  ownedSlots(): number[] {
    return [...this.#held]
      .filter(([, held]) => held.owned)
      .map(([slot]) => slot)
      .sort((a, b) => a - b);
  }

  /** The live members as last read, sorted. */
  members(): string[] {
    return [...this.#view.members];
  }

  /** Reads ZooKeeper again (and re-balances); resolves once the cache reflects that read. */
  async refresh(): Promise<void> {
    this.#schedule();
    await this.#running;
  }

  /** Calls `listener` after every change of the cache, of held slots or of `finished`. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Records `payload` under intents/<slot>/, atomically with the proof that this session still
   * holds the slot: throws SlotNotHeldError otherwise, IntentTooLargeError above MAX_INTENT_BYTES,
   * and a ZkError CONNECTION_LOSS when the outcome is unknown. Allowed from onAcquired on (before
   * owns() reports the slot) until the slot node is deleted. Returns the intent's path.
   */
  async createIntent(slot: number, payload: Buffer): Promise<string> {
    const held = this.#held.get(slot);
    if (!held || this.#finished) {
      throw new SlotNotHeldError(slot, this.#finished ?? 'not held by this member');
    }
    try {
      return await createFencedIntent(this.session, this.paths, slot, held.fence, payload);
    } catch (error) {
      // The cache says we hold it and ZooKeeper says no: read again.
      if (error instanceof SlotNotHeldError) this.#schedule();
      throw error;
    }
  }

  /** Deletes an intent (idempotent). Not fenced: removing a finished record is always safe. */
  async deleteIntent(path: string): Promise<void> {
    if (!path.startsWith(`${this.paths.intents}/`)) {
      throw new RangeError(`${path} is not an intent of ${this.paths.root}`);
    }
    await deleteIntentNode(this.session, path);
  }

  /** The slot's intents in creation order, whoever created them. */
  listIntents(slot: number): Promise<Intent[]> {
    return listIntentNodes(this.session, this.paths, slot);
  }

  /**
   * Awaits beforeRelease for every held slot, then closes the session, which deletes this member's
   * nodes; onLost(slot, 'closed') follows for each slot.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#stopping = true;
    this.#clearRetry();
    await this.#running;
    for (const slot of [...this.#held.keys()].sort((a, b) => a - b)) {
      if (this.#finished) break; // expired meanwhile: nothing left to hand over
      try {
        await this.#options.beforeRelease?.(slot);
      } catch (error) {
        this.#report(error);
      }
    }
    await this.session.close();
    this.#finish(this.session.state === 'expired' ? 'expired' : 'closed');
    await this.done;
  }

  #schedule(): void {
    if (!this.#joined || this.#finished || this.#stopping) return;
    this.#dirty = true;
    if (this.#busy) return;
    this.#busy = true;
    this.#running = this.#loop();
  }

  // One re-balance at a time; a watch firing meanwhile sets #dirty and gets a fresh pass.
  async #loop(): Promise<void> {
    try {
      while (this.#dirty && !this.#finished && !this.#stopping) {
        this.#dirty = false;
        try {
          await this.#rebalance();
        } catch (error) {
          if (this.#finished || this.#stopping) return;
          // Requests made while disconnected wait for the reconnect: no timer needed.
          if (isConnectionLoss(error)) {
            this.#dirty = true;
            continue;
          }
          this.#report(error);
          this.#retryLater();
          return;
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  readonly #onWatch = () => this.#schedule();

  async #rebalance(): Promise<void> {
    const view = await readSlotView(this.session, this.paths, this.slots, this.#onWatch);
    if (this.#finished) return;
    this.#view = view;
    this.#dropVanished(view);
    this.#changed();
    if (!view.members.includes(this.memberId)) {
      // Our member node is gone while the session lives (deleted by hand): register again. The
      // members/ watch brings us back here.
      await this.#ensureMember();
      return;
    }
    const mine = this.session.sessionId;
    for (const [slot, holder] of view.holders) {
      // Created by us but not recorded: the create's answer was lost with the connection.
      if (holder.session === mine && !this.#held.has(slot)) {
        await this.#take(slot, holder.epoch, holder.fence);
      }
    }
    const target = targetShare(this.slots, view.members, this.memberId);
    const held = [...this.#held.keys()].sort((a, b) => a - b);
    for (const slot of held.slice(target).reverse()) {
      if (this.#finished || this.#stopping) return;
      await this.#release(slot);
    }
    for (const slot of this.#freeSlots(view)) {
      if (this.#held.size >= target || this.#finished || this.#stopping) return;
      await this.#acquire(slot);
    }
  }

  /** Held slots whose node is gone or is not ours any more, although the session lives. */
  #dropVanished(view: SlotView): void {
    const mine = this.session.sessionId;
    for (const [slot, held] of [...this.#held]) {
      const holder = view.holders.get(slot);
      if (holder?.session === mine && holder.epoch === held.epoch) continue;
      this.#held.delete(slot);
      this.#lost(slot, 'taken');
    }
  }

  /** Free slots, starting at a point of our own so that members rarely race for the same one. */
  #freeSlots(view: SlotView): number[] {
    const start = fnv1a32(this.memberId) % this.slots;
    const free: number[] = [];
    for (let i = 0; i < this.slots; i++) {
      const slot = (start + i) % this.slots;
      if (!view.taken.has(slot)) free.push(slot);
    }
    return free;
  }

  async #acquire(slot: number): Promise<void> {
    const fencePath = this.paths.fence(slot);
    await this.#ensureNode(fencePath);
    await this.#ensureNode(this.paths.intentDir(slot));
    const { stat: fenceStat } = await this.session.getData(fencePath);
    const fence = fenceStat.version + 1;
    const data = encodeSlotNode({ memberId: this.memberId, url: this.#options.url, fence });
    try {
      // Conditional on the fence version read above: if it moved, someone acquired meanwhile.
      await this.session.multi([
        { type: 'create', path: this.paths.slot(slot), data, mode: 'ephemeral' },
        {
          type: 'setData',
          path: fencePath,
          data: Buffer.from(this.memberId),
          version: fenceStat.version,
        },
      ]);
    } catch (error) {
      const lostRace =
        error instanceof ZkError && (error.code === 'NODE_EXISTS' || error.code === 'BAD_VERSION');
      if (lostRace) return;
      throw error;
    }
    const stat = await this.session.exists(this.paths.slot(slot));
    // Only an expiry or a hand deletion removes our node; either is noticed elsewhere.
    if (!stat || stat.ephemeralOwner !== this.session.sessionId) return;
    await this.#take(slot, stat.czxid, fence);
  }

  async #take(slot: number, epoch: bigint, fence: number): Promise<void> {
    if (this.#finished) return;
    const held: Held = { epoch, fence, owned: false };
    this.#held.set(slot, held);
    this.#changed();
    try {
      await this.#options.onAcquired?.(slot, epoch);
    } catch (error) {
      if (this.#held.get(slot) !== held) return; // lost meanwhile, onLost already called
      await this.#deleteSlotNode(slot, held);
      if (this.#held.get(slot) === held) {
        this.#held.delete(slot);
        this.#lost(slot, 'released');
      }
      throw error;
    }
    if (this.#held.get(slot) !== held) return;
    held.owned = true;
    this.#changed();
  }

  async #release(slot: number): Promise<void> {
    const held = this.#held.get(slot);
    if (!held) return;
    await this.#options.beforeRelease?.(slot);
    if (this.#held.get(slot) !== held) return;
    await this.#deleteSlotNode(slot, held);
    if (this.#held.get(slot) !== held) return;
    this.#held.delete(slot);
    const holder = this.#view.holders.get(slot);
    if (holder?.epoch === held.epoch) this.#view.holders.delete(slot);
    this.#lost(slot, 'released');
  }

  /** Deletes our slot node, and only ours: the fence check fails once someone else acquired. */
  async #deleteSlotNode(slot: number, held: Held): Promise<void> {
    for (;;) {
      try {
        await this.session.multi([
          { type: 'check', path: this.paths.fence(slot), version: held.fence },
          { type: 'remove', path: this.paths.slot(slot) },
        ]);
        return;
      } catch (error) {
        if (!(error instanceof ZkError)) throw error;
        // Already gone (an earlier attempt whose answer was lost) or re-acquired since.
        if (error.code === 'NO_NODE' || error.code === 'BAD_VERSION') return;
        if (error.code !== 'CONNECTION_LOSS') throw error;
      }
    }
  }

  /** One request when the node exists already (mkdirp would send one per path level). */
  async #ensureNode(path: string): Promise<void> {
    try {
      await this.session.create(path, { parents: true });
    } catch (error) {
      if (!(error instanceof ZkError && error.code === 'NODE_EXISTS')) throw error;
    }
  }

  /** Creates members/<memberId>; waits for a previous session's node of the same id to go. */
  async #ensureMember(): Promise<void> {
    const path = this.paths.member(this.memberId);
    const data = Buffer.from(JSON.stringify({ memberId: this.memberId, url: this.#options.url }));
    for (;;) {
      try {
        await this.session.create(path, { data, mode: 'ephemeral' });
        return;
      } catch (error) {
        if (isConnectionLoss(error)) continue;
        if (!(error instanceof ZkError && error.code === 'NODE_EXISTS')) throw error;
      }
      const stat = await this.session.exists(path);
      if (stat?.ephemeralOwner === this.session.sessionId) return;
      await this.session.untilGone(path);
    }
  }

  #finish(reason: 'closed' | 'expired'): void {
    if (this.#finished) return;
    this.#finished = reason;
    this.#clearRetry();
    this.#stopStateWatch();
    const held = [...this.#held.keys()].sort((a, b) => a - b);
    this.#held.clear();
    this.#view = { members: [], taken: new Set(), holders: new Map() };
    for (const slot of held) this.#lost(slot, reason);
    this.#resolveDone(reason);
    this.#changed();
  }

  #lost(slot: number, reason: SlotLossReason): void {
    try {
      this.#options.onLost?.(slot, reason);
    } catch (error) {
      this.#report(error);
    }
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        this.#report(error);
      }
    }
  }

  #report(error: unknown): void {
    this.#options.onError?.(error);
  }

  #retryLater(): void {
    if (this.#retryTimer || this.#finished) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#schedule();
    }, this.#options.retryDelayMs ?? 1000);
    this.#retryTimer.unref();
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}
