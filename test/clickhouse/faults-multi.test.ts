// Faults with three Tally processes sharing the replicated fault cluster in coordinated writers mode
// (TALLY_CLICKHOUSE_WRITERS=coordinated: accounts hash into 64 slots, each slot written by the one
// process that holds it in ZooKeeper, older epochs refused by the cluster's fence). Real processes
// (`node bin/tally.js serve`), real signals: SIGKILL of one process, SIGSTOP of a slot owner past
// its ZooKeeper session, and ZooKeeper killed and started again. A client streams batches for six
// accounts to random live processes and resends a batch byte for byte on 503/429/network errors/
// timeouts; afterwards every event it saw acknowledged must be counted exactly once, with totals
// computed from the client's record. Each process's output is kept in .tmp/faults-multi/<database>/
// and its tail printed when a test fails.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { type ChConnection, connect } from '../../src/store/clickhouse/client.js';
import { TEST_ADMIN_TOKEN } from '../support/test-server.js';
import { expectedTotals, QUERY_RANGE } from './fault-client.js';
import {
  type FaultCluster,
  skipFaultCluster,
  startCluster,
  startZooKeeper,
  stopCluster,
  stopZooKeeper,
  until,
} from './fault-cluster.js';
import { type ClientAccount, MultiClient } from './multi-client.js';
import { freshDatabase } from './servers.js';
import {
  readSlots,
  type SlotHolderView,
  TallyCluster,
  type TallyProcess,
} from './tally-cluster.js';

const skip = skipFaultCluster();
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ZOOKEEPER = '127.0.0.1:22181';
const SESSION_TIMEOUT_MS = 6_000;
const SLOTS = 64;
const ACCOUNTS = 6;
const BATCH = 50;
/** Batches acknowledged per account to call ingest steady, or resumed after a fault. */
const STEADY = 3;
/**
 * A client's patience with one attempt: longer than the 30 s a process waits on a forward
 * (forward-ingest.ts), so that every live process's own answer is seen; only a request to the
 * paused or killed process itself ends in a timeout or a network error.
 */
const REQUEST_TIMEOUT_MS = 35_000;

/** The slot of an account, computed here from the definition (FNV-1a 32 over UTF-8, mod 64). */
function slotOf(accountId: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(accountId)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash % SLOTS;
}

interface Account extends ClientAccount {
  type: string;
}

describe.skipIf(skip)('faults with three coordinated Tally processes', () => {
  const database = freshDatabase('tally_fmulti');
  const logDir = join(REPO, '.tmp', 'faults-multi', database);
  let fault: FaultCluster;
  let tally: TallyCluster | undefined;
  let ch: ChConnection;
  /** Kept for a look at the rows when a test failed (the next run drops it). */
  let keepDatabase = false;

  beforeAll(async () => {
    fault = await startCluster();
    // Databases of runs killed before their afterAll (the cluster is the fault tests' own).
    const admin = connect(fault.urls.s1r1);
    const stale = await admin.exec<{ name: string }>(
      `SELECT name FROM system.databases WHERE name LIKE 'tally\\_fmulti\\_%'`,
    );
    for (const { name } of stale) {
      await admin.exec(`DROP DATABASE IF EXISTS ${name} ON CLUSTER ${fault.cluster}`);
    }
    await admin.close();
    tally = await TallyCluster.start(
      {
        // Each process on a replica of its own (three of the four).
        clickhouseUrls: [fault.urls.s1r1, fault.urls.s2r2, fault.urls.s1r2],
        database,
        cluster: fault.cluster,
        zookeeper: ZOOKEEPER,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        logDir,
      },
      process.env.FAULT_LOG_LEVEL ?? 'info',
    );
    ch = connect(fault.urls.s1r1, database);
  });

  afterAll(async () => {
    await tally?.stopAll();
    if (ch && !keepDatabase) {
      await ch
        .exec(`DROP DATABASE IF EXISTS ${database} ON CLUSTER ${fault.cluster}`)
        .catch(() => undefined);
    }
    await ch?.close();
    await stopCluster();
  });

  function cluster(): TallyCluster {
    if (!tally) throw new Error('the Tally processes did not start');
    return tally;
  }

  function liveUrls(): string[] {
    return cluster()
      .live()
      .map((p) => p.url);
  }

  /** Every process running, none paused, ZooKeeper up: what each test starts from. */
  async function everythingUp(): Promise<void> {
    await startZooKeeper();
    for (const p of cluster().processes) {
      if (p.paused) p.resume();
      if (!p.running) await p.start();
    }
  }

  async function call(url: string, path: string, token: string, body?: unknown) {
    return fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function created<T>(res: Response, what: string): Promise<T> {
    if (res.status !== 201) throw new Error(`${what} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  /**
   * A setup call, sent again after the Retry-After of a 503 as any client would (the cluster may
   * still be settling after the previous test's fault). A meter whose first attempt took effect
   * answers 409 the second time: it exists, which is what the setup needs.
   */
  async function setup(url: string, path: string, token: string, body: unknown): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const res = await call(url, path, token, body);
      if (res.status !== 503 || attempt >= 20) return res;
      const wait = Number(res.headers.get('retry-after') ?? '1');
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }

  /**
   * Accounts, each with a secret key and a SUM and a COUNT meter on `type`, created through one
   * process; then waits until every process serves the meters (they cache meters for a while, and
   * an owner that does not know a meter yet would store events without its rows).
   */
  async function accounts(type: string): Promise<Account[]> {
    const via = cluster().live()[0]?.url ?? '';
    const out: Account[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const { id } = await created<{ id: string }>(
        await setup(via, '/admin/v1/accounts', TEST_ADMIN_TOKEN, { name: `${type}-${i}` }),
        'account',
      );
      const { key } = await created<{ key: string }>(
        await setup(via, `/admin/v1/accounts/${id}/keys`, TEST_ADMIN_TOKEN, { kind: 'secret' }),
        'key',
      );
      for (const meter of [
        { slug: 'total', aggregation: 'SUM', eventType: type, valueProperty: '$.n' },
        { slug: 'events', aggregation: 'COUNT', eventType: type },
      ]) {
        const res = await setup(via, '/api/v1/meters', key, meter);
        if (res.status === 409) await res.body?.cancel();
        else await created(res, 'meter');
      }
      out.push({ id, key, type });
    }
    for (const p of cluster().live()) {
      for (const a of out) {
        for (const slug of ['total', 'events']) {
          await until(`${p.name} to serve meter ${slug} of ${a.id}`, async () => {
            const res = await call(p.url, `/api/v1/meters/${slug}`, a.key);
            await res.body?.cancel();
            return res.status === 200;
          });
        }
      }
    }
    return out;
  }

  /** ZooKeeper's slot holders once it answers (polled until `accept` holds). */
  async function slotsWhen(
    what: string,
    accept: (view: Map<number, SlotHolderView>) => boolean,
  ): Promise<Map<number, SlotHolderView>> {
    let last: Map<number, SlotHolderView> | undefined;
    await until(what, async () => {
      last = await readSlots(ZOOKEEPER, database);
      return last !== undefined && accept(last);
    }).catch((err: Error) => {
      const held = last ? summarize(last) : 'ZooKeeper unreadable';
      throw new Error(`${err.message}; last slots: ${held}`);
    });
    return last as Map<number, SlotHolderView>;
  }

  /** "url: n slots" per holder, for messages. */
  function summarize(view: Map<number, SlotHolderView>): string {
    const counts = new Map<string, number>();
    for (const h of view.values()) counts.set(h.url, (counts.get(h.url) ?? 0) + 1);
    return `${view.size} held: ${[...counts].map(([u, n]) => `${u}=${n}`).join(', ')}`;
  }

  /** Until every account has `STEADY` batches acknowledged after `mark`. */
  async function progressed(client: MultiClient, mark: number, what: string): Promise<void> {
    await until(what, async () =>
      client.accounts.every((a) => client.ackedSince(mark, a.id) >= STEADY),
    ).catch((err: Error) => {
      const per = client.accounts.map((a) => `${a.id}=${client.ackedSince(mark, a.id)}`);
      const last = client
        .since(mark)
        .slice(-8)
        .map((a) => `${a.target} ${a.status} ${a.detail.slice(0, 160)}`);
      throw new Error(
        `${err.message}; acknowledged batches since: ${per.join(' ')}; last answers:\n${last.join('\n')}`,
      );
    });
  }

  async function meterValue(account: Account, slug: string): Promise<number> {
    const url = liveUrls()[0] ?? '';
    const res = await call(url, `/api/v1/meters/${slug}/query?${QUERY_RANGE}`, account.key);
    if (res.status !== 200) throw new Error(`query ${slug} answered ${res.status}`);
    const body = (await res.json()) as { data: { value: number }[] };
    return body.data.reduce((s, r) => s + r.value, 0);
  }

  /**
   * Every acknowledged event counted once: per account, SUM and COUNT through the query API equal
   * the client's sums, and the cluster holds each event once with one row per meter. All accounts
   * compared as one object, so a failure shows every number.
   */
  async function expectExactlyOnce(client: MultiClient, list: Account[]): Promise<void> {
    const want: Record<string, unknown> = {};
    const got: Record<string, unknown> = {};
    for (const a of list) {
      const acked = client.acked.get(a.id) ?? [];
      const ids = acked.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Lanes stop after an acknowledgement: nothing is left unacknowledged in a passing run.
      expect(client.pending.get(a.id)).toBeUndefined();
      const totals = expectedTotals(acked);
      // Raw events rows too: a write cut part way by a kill is completed by the slot's next owner,
      // not written again (coordinated-writes.ts, `landed`).
      want[a.id] = {
        sum: totals.sum,
        count: totals.count,
        events: totals.count,
        distinct: totals.count,
        meterRows: 2 * totals.count,
      };
      // Acknowledged means written to both replicas (insert_quorum), but let a lagging read catch
      // up before judging: only a count still short after the deadline is a loss.
      let sum = 0;
      let count = 0;
      await until(
        `the totals of ${a.id} to reach what was acknowledged`,
        async () => {
          sum = await meterValue(a, 'total');
          count = await meterValue(a, 'events');
          return sum >= totals.sum && count >= totals.count;
        },
        30_000,
      ).catch(() => undefined);
      const [ev] = await ch.exec<{ c: string; d: string }>(
        `SELECT count() AS c, uniqExact(source, id) AS d FROM events WHERE account_id = '${a.id}'`,
      );
      const [mr] = await ch.exec<{ c: string }>(
        `SELECT count() AS c FROM meter_rows WHERE account_id = '${a.id}'`,
      );
      got[a.id] = {
        sum,
        count,
        events: Number(ev?.c),
        distinct: Number(ev?.d),
        meterRows: Number(mr?.c),
      };
    }
    expect(got).toEqual(want);
  }

  /** Non-2xx answers must be 503 with a Retry-After (a network error only from `down`). */
  function expectOnlyRetryable(client: MultiClient, mark: number, down: string[] = []): void {
    const wrong = client
      .since(mark)
      .filter((a) => a.status !== 204)
      .filter((a) =>
        typeof a.status === 'number'
          ? !(a.status === 503 && Number(a.retryAfter) > 0)
          : !down.includes(a.target),
      );
    // Soft: the totals are still checked, and a failure shows both.
    expect.soft(wrong).toEqual([]);
  }

  /**
   * Streams for `list` until steady, runs `fault`, lets every lane finish its batch and checks
   * exactly-once. On failure: aborts the stream and prints every process's log tail.
   */
  async function underStream(
    { onTestFailed }: TestContext,
    type: string,
    fault: (client: MultiClient, list: Account[]) => Promise<void>,
  ): Promise<void> {
    onTestFailed(() => {
      keepDatabase = true;
      console.error(
        `${type} failed; database ${database} kept, process logs in ${logDir}\n${cluster().tails(60)}`,
      );
    });
    await everythingUp();
    const list = await accounts(type);
    const client = new MultiClient(liveUrls, list, type, {
      batchSize: BATCH,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    const stream = client.run();
    try {
      await progressed(client, 0, 'steady ingest');
      await fault(client, list);
      client.finish();
      await stream;
      const counts = new Map<string, number>();
      for (const a of client.answers) {
        const k = String(a.status);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      console.log(`${type}: answers ${JSON.stringify(Object.fromEntries(counts))}`);
      await expectExactlyOnce(client, list);
    } catch (err) {
      client.abort();
      await stream.catch(() => undefined);
      throw err;
    }
  }

  /** The process holding the most of `list`'s slots (so that the fault hits some of them). */
  function busiest(view: Map<number, SlotHolderView>, list: Account[]): TallyProcess {
    const held = (p: TallyProcess) =>
      list.filter((a) => view.get(slotOf(a.id))?.url === p.url).length;
    const [first, ...rest] = cluster().live();
    if (!first) throw new Error('no live process');
    return rest.reduce((best, p) => (held(p) > held(best) ? p : best), first);
  }

  it('one process killed with SIGKILL: the others take its slots, it rejoins after a restart; totals exact', async (ctx) => {
    await underStream(ctx, 'kill9', async (client, list) => {
      const before = await slotsWhen('every slot held', (v) => v.size === SLOTS);
      const victim = busiest(before, list);
      const itsAccounts = list.filter((a) => before.get(slotOf(a.id))?.url === victim.url);
      console.log(`kill9: ${victim.name} holds the slots of ${itsAccounts.length} accounts`);
      const killed = client.mark();
      await victim.kill9();
      await slotsWhen(
        `the survivors to hold every slot of ${victim.name}`,
        (v) => v.size === SLOTS && [...v.values()].every((h) => h.url !== victim.url),
      );
      await progressed(client, killed, 'ingest to resume on the survivors');
      expectOnlyRetryable(client, killed, [victim.url]);

      await victim.start();
      const restarted = client.mark();
      await slotsWhen(
        `${victim.name} to hold slots again`,
        (v) => v.size === SLOTS && [...v.values()].some((h) => h.url === victim.url),
      );
      await progressed(client, restarted, 'ingest to go on after the rejoin');
      await until(`${victim.name} to acknowledge a batch`, async () =>
        client.since(restarted).some((a) => a.target === victim.url && a.status === 204),
      );
      expectOnlyRetryable(client, restarted);
    });
  }, 480_000);

  it('a slot owner paused (SIGSTOP) past its ZooKeeper session: another takes the slot, the resumed one rejoins; no double count', async (ctx) => {
    await underStream(ctx, 'sigstop', async (client, list) => {
      const before = await slotsWhen('every slot held', (v) => v.size === SLOTS);
      const paused = busiest(before, list);
      const target = list.find((a) => before.get(slotOf(a.id))?.url === paused.url) ?? list[0];
      if (!target) throw new Error('no account');
      const slot = slotOf(target.id);
      // Every slot node created later has a larger czxid than any of these.
      let newest = 0n;
      for (const h of before.values()) if (h.epoch > newest) newest = h.epoch;
      const stopped = client.mark();
      paused.pause();
      await slotsWhen(
        `another process to hold slot ${slot} of ${paused.name}`,
        (v) => v.get(slot) !== undefined && v.get(slot)?.url !== paused.url,
      );
      // Lanes caught in a request to the paused process time out and go elsewhere.
      await progressed(client, stopped, 'ingest to go on while the owner is paused');

      const resumed = client.mark();
      paused.resume();
      // A new epoch: it joined again with a new session, not under the old one.
      await slotsWhen(`${paused.name} to hold a slot under a new epoch`, (v) =>
        [...v.values()].some((h) => h.url === paused.url && h.epoch > newest),
      );
      await progressed(client, resumed, 'ingest to go on after the resume');
      await until(`${paused.name} to acknowledge a batch`, async () =>
        client.since(resumed).some((a) => a.target === paused.url && a.status === 204),
      );
      const fenced = client
        .since(stopped)
        .filter((a) => a.status === 503 && a.detail.includes('fence')).length;
      console.log(`sigstop: ${fenced} answers named the fence`);
      // The paused process's own answers may be timeouts (the client gave up on them).
      expectOnlyRetryable(client, stopped, [paused.url]);
    });
  }, 480_000);

  it('ZooKeeper killed and started again: ingest answers 503 with Retry-After meanwhile, then resumes; nothing lost or doubled', async (ctx) => {
    await underStream(ctx, 'zookeeper', async (client) => {
      const stopped = client.mark();
      try {
        await stopZooKeeper();
        await until('a 503 while ZooKeeper is down', async () =>
          client.since(stopped).some((a) => a.status === 503),
        );
      } finally {
        await startZooKeeper();
      }
      const started = client.mark();
      await progressed(client, started, 'ingest to resume after ZooKeeper is back');
      expectOnlyRetryable(client, stopped);
    });
  }, 480_000);
});
