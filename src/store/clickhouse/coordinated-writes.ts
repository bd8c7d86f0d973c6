// Several Tally processes writing one replicated cluster (`writers: 'coordinated'`). Accounts hash
// into slots; each slot is owned by one process at a time through ZooKeeper (coordination/), and
// only the owner writes the slot's accounts: it dedupes them in-process (local-dedupe.ts) exactly
// as a lone process does. Other processes forward ingest to the owner (Placement).
//
// Why no clock is needed. A process can lose a slot without knowing (its session expired while it
// was paused). Its writes are stopped by the cluster, not by the process: every write goes through
// the fence view (migrations/0005-fenced-writes.ts), which refuses rows whose epoch is not the
// slot's newest. Taking a slot over:
//   1. ZooKeeper makes this process the holder; the epoch is the slot node's czxid, larger than
//      every earlier holder's;
//   2. the fence (slot, epoch) is inserted with insert_quorum; writes carry
//      select_sequential_consistency, so a replica that lacks it refuses writes instead of judging
//      them against an older fence;
//   3. every insert into `incoming` running anywhere in the cluster once the fence has landed is
//      waited out (system.processes on every node, by initial_query_id): a write that passed the
//      old fence is then complete, and any later write of an older epoch is refused;
//   4. only then does the slot count as owned, and the first dedupe read sees everything the
//      previous owner stored.
// Step 3 waits for a condition (those queries are gone), never for a time to pass.
//
// A write cut part way (its process died or lost the slot while sending it again) leaves claims
// without commits; the owner that next reads those identities stores only the parts `landed` does
// not find, so the client's retry stores nothing twice.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Placement } from '../ports.js';
import type { ChConnection } from './client.js';
import { slotOf } from './coordination/slot-of.js';
import { type SlotLossReason, SlotOwnership } from './coordination/slot-ownership.js';
import { ZkSession } from './coordination/zk-session.js';
import type { Landed } from './dedupe.js';
import type { Fence } from './incoming-rows.js';
import { type Layout, localTable } from './layout.js';
import { type UnfinishedWrite, type UnfinishedWrites, writeKey } from './local-dedupe.js';
import { lit } from './quote.js';

export interface CoordinationConfig {
  /** ZooKeeper connect string, e.g. 127.0.0.1:2181 (the cluster's own ZooKeeper or Keeper). */
  zookeeper: string;
  sessionTimeoutMs: number;
  /** Base URL other processes forward this process's slots' ingest to. */
  advertiseUrl: string;
  /** Every process of one database must use the same number. */
  slots: number;
  /** Called with failures that were handled by retrying. */
  onError?: (err: unknown) => void;
}

/** Slots all processes of a database share (a power of two well above any process count). */
export const DEFAULT_SLOTS = 64;

const POLL_MS = 50;
const RECONNECT_MS = 1_000;

export class CoordinatedWrites implements UnfinishedWrites {
  private ownership: SlotOwnership | undefined;
  private readonly memberId =
    `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly inflight = new Map<number, number>();
  private readonly drained = new Map<number, (() => void)[]>();
  private readonly releasing = new Set<number>();
  private closed = false;

  private constructor(
    private readonly conn: ChConnection,
    private readonly layout: Layout,
    private readonly config: CoordinationConfig,
    private readonly insertSettings: Record<string, number>,
  ) {}

  /** Joins the members and waits for the first share of slots to be taken. */
  static async start(
    conn: ChConnection,
    layout: Layout,
    config: CoordinationConfig,
    insertSettings: Record<string, number>,
  ): Promise<CoordinatedWrites> {
    const c = new CoordinatedWrites(conn, layout, config, insertSettings);
    await c.join();
    return c;
  }

  /** The fence this process writes an account under, or undefined while it does not own it. */
  fenceOf(accountId: string): Fence | undefined {
    const slot = slotOf(accountId, this.config.slots);
    if (this.releasing.has(slot)) return undefined;
    const epoch = this.ownership?.owns(slot);
    return epoch === undefined ? undefined : { slot, epoch: epoch.toString() };
  }

  /** Whether this process still holds the fence's slot at its epoch (handing over included). */
  holds(fence: Fence): boolean {
    return this.ownership?.owns(fence.slot)?.toString() === fence.epoch;
  }

  placement(accountId: string): Placement {
    if (this.fenceOf(accountId)) return { kind: 'local' };
    const owner = this.ownership?.ownerOf(slotOf(accountId, this.config.slots));
    if (!owner || owner.memberId === this.memberId) return { kind: 'moving' };
    return { kind: 'remote', url: owner.url };
  }

  /** Counts a write of `accountId` in flight, so that handing its slot over waits for it. */
  async track<T>(accountId: string, write: () => Promise<T>): Promise<T> {
    const slot = slotOf(accountId, this.config.slots);
    this.inflight.set(slot, (this.inflight.get(slot) ?? 0) + 1);
    try {
      return await write();
    } finally {
      const left = (this.inflight.get(slot) ?? 1) - 1;
      if (left > 0) this.inflight.set(slot, left);
      else {
        this.inflight.delete(slot);
        for (const wake of this.drained.get(slot)?.splice(0) ?? []) wake();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ownership?.close();
  }

  private async join(): Promise<void> {
    const session = await ZkSession.connect(this.config.zookeeper, {
      sessionTimeoutMs: this.config.sessionTimeoutMs,
    });
    const ownership = new SlotOwnership(session, {
      namespace: this.layout.database,
      memberId: this.memberId,
      url: this.config.advertiseUrl,
      slots: this.config.slots,
      onAcquired: (slot, epoch) => this.takeOver(slot, epoch),
      beforeRelease: (slot) => this.handOver(slot),
      onLost: (slot, reason) => this.lost(slot, reason),
      onError: (err) => this.config.onError?.(err),
    });
    this.ownership = ownership;
    await ownership.join();
    void ownership.done.then((why) => {
      // An expired session is final for its SlotOwnership: join again with a new one. Writes of
      // the old epochs are refused by the new owners' fences meanwhile.
      if (why === 'expired' && !this.closed) void this.rejoin();
    });
  }

  private async rejoin(): Promise<void> {
    while (!this.closed) {
      try {
        await this.join();
        return;
      } catch (err) {
        this.config.onError?.(err);
        await new Promise((r) => setTimeout(r, RECONNECT_MS));
      }
    }
  }

  /** Steps 2 and 3 of the header: fence the slot at this epoch, then wait out earlier writes. */
  private async takeOver(slot: number, epoch: bigint): Promise<void> {
    const db = this.layout.database;
    await this.conn.exec(
      `INSERT INTO ${db}.slot_fences (slot, epoch) VALUES (${lit(slot)}, ${epoch.toString()})`,
      this.insertSettings,
    );
    const addresses = await this.nodeAddresses();
    const running = await this.runningWrites(addresses);
    while (running.size > 0) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const still = await this.runningWrites(addresses);
      for (const id of running) if (!still.has(id)) running.delete(id);
    }
  }

  /** initial_query_id of every insert into `incoming` running on any node of the cluster. */
  private async runningWrites(addresses: string): Promise<Set<string>> {
    const rows = await this.conn.exec<{ id: string }>(
      `SELECT DISTINCT initial_query_id AS id FROM remote(${lit(addresses)}, system, processes) WHERE startsWith(query, 'INSERT') AND position(query, 'incoming') > 0`,
      { skip_unavailable_shards: 1 },
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Which parts of unfinished writes are stored: events rows, meter rows (by writeKey). Such a
   * write claimed identities and never committed them (it failed part way, and the process that
   * held it gave up or lost the slot). Its rows of one account share one shard and one block per
   * table, so each part is there whole or not at all; a part stored on one replica only (its quorum
   * failed) still counts, since replication brings it to the other.
   */
  async landed(writes: readonly UnfinishedWrite[]): Promise<Map<string, Landed>> {
    const db = this.layout.database;
    const match = writes
      .map((w) => `(account_id = ${lit(w.accountId)} AND write_token = ${lit(w.token)})`)
      .join(' OR ');
    const addresses = await this.nodeAddresses();
    const stored = async (table: 'events' | 'meter_rows') => {
      const rows = await this.conn.exec<{ a: string; t: string }>(
        `SELECT DISTINCT account_id AS a, write_token AS t FROM remote(${lit(addresses)}, ${db}, ${localTable(this.layout, table)}) WHERE ${match}`,
        { skip_unavailable_shards: 1 },
      );
      return new Set(rows.map((r) => writeKey({ accountId: r.a, token: r.t })));
    };
    const [events, meterRows] = await Promise.all([stored('events'), stored('meter_rows')]);
    const out = new Map<string, Landed>();
    for (const w of writes) {
      const k = writeKey(w);
      out.set(k, { events: events.has(k), rows: meterRows.has(k) });
    }
    return out;
  }

  /** host:port of every node of the cluster (TCP, for remote()). */
  private async nodeAddresses(): Promise<string> {
    const nodes = await this.conn.exec<{ address: string }>(
      `SELECT concat(host_address, ':', toString(port)) AS address FROM system.clusters WHERE cluster = ${lit(this.layout.cluster ?? '')}`,
    );
    return nodes.map((n) => n.address).join(',');
  }

  /** Stops taking the slot's writes and waits for those in flight before its node goes. */
  private async handOver(slot: number): Promise<void> {
    this.releasing.add(slot);
    if (!this.inflight.get(slot)) return;
    await new Promise<void>((resolve) => {
      const waiting = this.drained.get(slot) ?? [];
      waiting.push(resolve);
      this.drained.set(slot, waiting);
    });
  }

  private lost(slot: number, _reason: SlotLossReason): void {
    this.releasing.delete(slot);
  }
}
