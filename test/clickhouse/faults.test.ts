// Faults on the replicated cluster, with real processes and real signals, for one Tally process
// (issue 13, item 4): a ClickHouse replica killed with SIGKILL during ingest, and ZooKeeper killed
// and started again. Tally runs in this process over a real HTTP socket; a client streams batches
// and resends a batch on 503/429/network errors. Afterwards every event the client saw
// acknowledged must be counted exactly once, with totals computed from the client's record.
// The cluster is this file's own (fault-cluster.ts), so the kills never reach other suites.
// docs/clickhouse.md "Faults tested" records what 18.16 answers and what these tests found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { type ChConnection, connect } from '../../src/store/clickhouse/client.js';
import { expectedTotals, QUERY_RANGE, type SentEvent, StreamingClient } from './fault-client.js';
import {
  type FaultCluster,
  killReplica,
  REPLICAS,
  type ReplicaName,
  skipFaultCluster,
  startCluster,
  startZooKeeper,
  stopCluster,
  stopZooKeeper,
  until,
} from './fault-cluster.js';
import { freshDatabase } from './servers.js';

const skip = skipFaultCluster();
const LANES = 3;
const BATCH = 50;
/** Batches acknowledged before a fault, and again after the repair, before the stream ends. */
const STEADY_BATCHES = 20;

describe.skipIf(skip)('faults on the replicated cluster (one Tally process)', () => {
  const database = freshDatabase('tally_faults');
  let cluster: FaultCluster;
  let server: RunningServer;
  let nodes: Record<ReplicaName, ChConnection>;

  beforeAll(async () => {
    cluster = await startCluster();
    // Databases of runs that were killed before their afterAll (the cluster is this file's own).
    const admin = connect(cluster.urls.s1r1);
    const stale = await admin.exec<{ name: string }>(
      `SELECT name FROM system.databases WHERE name LIKE 'tally\\_faults\\_%'`,
    );
    for (const { name } of stale) {
      await admin.exec(`DROP DATABASE IF EXISTS ${name} ON CLUSTER ${cluster.cluster}`);
    }
    await admin.close();
    const env = {
      TALLY_STORE: 'clickhouse',
      // FAULT_LOG_LEVEL=error shows each ClickHouse error behind a 503 (the codes 18.16 answers).
      TALLY_LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      TALLY_CLICKHOUSE_URL: cluster.urls.s1r1,
      TALLY_CLICKHOUSE_DATABASE: database,
      TALLY_CLICKHOUSE_CLUSTER: cluster.cluster,
      TALLY_CLICKHOUSE_REPLICATED: '1',
    };
    // The store reads its settings from the environment (src/store/clickhouse/config.ts).
    Object.assign(process.env, env);
    const config = loadConfig(env);
    server = await startServer(config, await createApp(config));
    nodes = Object.fromEntries(
      REPLICAS.map((r) => [r, connect(cluster.urls[r], database)]),
    ) as typeof nodes;
  });

  afterAll(async () => {
    await server?.stop();
    if (nodes) {
      // Dropping a replicated table also removes it from ZooKeeper; the cluster's data stays small.
      for (const node of Object.values(nodes)) {
        await node.exec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
        await node.close();
      }
    }
    await stopCluster();
  });

  /** A fresh account with a SUM and a COUNT meter on `type`: its id and secret key. */
  async function account(type: string): Promise<{ id: string; key: string }> {
    const s = server.app.services;
    const { id } = await s.keys.createAccount(type);
    await s.meters.create(id, {
      slug: 'total',
      aggregation: 'SUM',
      eventType: type,
      valueProperty: '$.n',
    });
    await s.meters.create(id, { slug: 'events', aggregation: 'COUNT', eventType: type });
    return { id, key: (await s.keys.createKey(id, 'secret')).key };
  }

  async function query(key: string, slug: string): Promise<{ status: number; value: number }> {
    const res = await fetch(`${server.url}/api/v1/meters/${slug}/query?${QUERY_RANGE}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    if (res.status !== 200) return { status: res.status, value: Number.NaN };
    const body = (await res.json()) as { data: { value: number }[] };
    return { status: 200, value: body.data.reduce((s, r) => s + r.value, 0) };
  }

  /** Rows of `table`_local of one account on one node, read from that node alone. */
  async function localCount(node: ReplicaName, table: 'events' | 'meter_rows', accountId: string) {
    const [row] = await nodes[node].exec<{ c: string }>(
      `SELECT count() AS c FROM ${database}.${table}_local WHERE account_id = '${accountId}'`,
    );
    return Number(row?.c ?? 0);
  }

  /**
   * Polls until both replicas of each shard hold as many rows of the account as each other (the
   * restarted replica caught up), then answers the rows one replica of each shard holds.
   */
  async function caughtUp(accountId: string): Promise<{ events: number; meterRows: number }> {
    const counts = new Map<string, number>();
    const agree = () =>
      (['events', 'meter_rows'] as const).every(
        (t) =>
          counts.get(`${t}@s1r1`) === counts.get(`${t}@s1r2`) &&
          counts.get(`${t}@s2r1`) === counts.get(`${t}@s2r2`),
      );
    await until('the replicas of each shard to hold the same rows', async () => {
      for (const r of REPLICAS) {
        for (const t of ['events', 'meter_rows'] as const) {
          counts.set(`${t}@${r}`, await localCount(r, t, accountId));
        }
      }
      return agree();
    }).catch((err: Error) => {
      throw new Error(`${err.message}; last counts ${JSON.stringify([...counts])}`);
    });
    const total = (t: string) => (counts.get(`${t}@s1r1`) ?? 0) + (counts.get(`${t}@s2r1`) ?? 0);
    return { events: total('events'), meterRows: total('meter_rows') };
  }

  /**
   * Every acknowledged event counted once: the meters' SUM and COUNT through the API equal the
   * client's own sums, and the replicas (once caught up) hold each acknowledged event once and
   * its two meter rows (one per meter) once each. Compared as one object, so that a failure
   * shows every number at once.
   */
  async function expectExactlyOnce(
    { id, key }: { id: string; key: string },
    acked: readonly SentEvent[],
  ) {
    const ids = acked.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const want = expectedTotals(acked);
    const stored = await caughtUp(id);
    expect({
      sum: await query(key, 'total'),
      count: await query(key, 'events'),
      ...stored,
    }).toEqual({
      sum: { status: 200, value: want.sum },
      count: { status: 200, value: want.count },
      events: want.count,
      meterRows: 2 * want.count,
    });
  }

  /**
   * Streams batches until ingest is steady, runs `fault` (which must end with ingest resumed), lets
   * the stream finish, and checks that every acknowledged event was stored exactly once.
   */
  async function underStream(
    type: string,
    fault: (client: StreamingClient, key: string) => Promise<void>,
  ): Promise<void> {
    const acct = await account(type);
    const client = new StreamingClient(server.url, acct.key, type);
    const stream = client.run(LANES, BATCH);
    try {
      await until('steady ingest', async () => {
        client.check();
        return client.acked.length >= STEADY_BATCHES * BATCH;
      });
      await fault(client, acct.key);
      const resumed = client.mark();
      await until('ingest to resume', async () => {
        const ok = client.since(resumed).filter((a) => a.status === 204);
        return ok.length >= STEADY_BATCHES;
      });
    } catch (err) {
      client.abort();
      await stream.catch(() => undefined);
      throw err;
    }
    client.finish();
    await stream;
    await expectExactlyOnce(acct, client.acked);
  }

  it('a replica killed with SIGKILL during ingest: ingest and queries go on, it catches up, totals exact', async () => {
    await underStream('replica_kill', async (client, key) => {
      // s2r1 is the replica Distributed reads and writes shard 2 through first (in_order), so
      // both paths have to fail over to s2r2, and shard 2 has one live replica: no quorum.
      const beforeKill = client.mark();
      const ackedBeforeKill = expectedTotals(client.acked);
      await killReplica('s2r1');
      // A query while the replica is down answers, and includes everything acknowledged.
      const during = await query(key, 'total');
      expect(during.status).toBe(200);
      expect(during.value).toBeGreaterThanOrEqual(ackedBeforeKill.sum);
      // Ingest cannot meet its quorum on shard 2: the client is told to come back later.
      await until('a 503 while s2r1 is down', async () =>
        client.since(beforeKill).some((a) => a.status === 503),
      );
      expect((await query(key, 'events')).status).toBe(200);
      const refused = client.since(beforeKill).filter((a) => a.status !== 204);
      expect(refused.every((a) => a.status === 503 && Number(a.retryAfter) > 0)).toBe(true);
      await startCluster();
    });
  }, 480_000);

  it('ZooKeeper killed and started again: ingest answers 503 with Retry-After, then resumes; nothing lost', async () => {
    // Every server up (they are after the test above; this only matters when it failed midway).
    await startCluster();
    await underStream('zookeeper_restart', async (client, key) => {
      const beforeStop = client.mark();
      await stopZooKeeper();
      await until('a 503 while ZooKeeper is down', async () =>
        client.since(beforeStop).some((a) => a.status === 503),
      );
      const refused = client.since(beforeStop).filter((a) => a.status !== 204);
      for (const a of refused) {
        expect(a.status).toBe(503);
        expect(Number(a.retryAfter)).toBeGreaterThan(0);
      }
      // Reads need no ZooKeeper.
      expect((await query(key, 'total')).status).toBe(200);
      await startZooKeeper();
    });
  }, 480_000);
});
