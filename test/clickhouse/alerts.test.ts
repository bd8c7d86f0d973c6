// Usage alerts on ClickHouse: the HTTP cases (test/api/alerts.cases.ts) on the single server, and
// two Tally instances in coordinated writers mode on the replicated cluster sharing one database:
// only the owner of an account's slot evaluates and delivers, so each crossing reaches the
// receiver once, whichever instance took the events.
import { afterAll, describe, expect, it } from 'vitest';
import { ALERT_TEST_ENV, runAlertCases } from '../api/alerts.cases.js';
import { freePort } from '../support/tally-process.js';
import { jsonInit, startTestServer, type TestServer, testEvent } from '../support/test-server.js';
import { startReceiver, until } from '../support/webhook-receiver.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { singleServerTally } from './single-server-tally.js';
import { dropDatabase } from './stores.js';

const skip = skipClickHouse();

if (!skip) {
  const start = singleServerTally('tally_alerts');
  runAlertCases({
    label: 'clickhouse single',
    start,
    restart: async (old, env) => {
      await old.stop();
      return start(env);
    },
  });
}

describe.skipIf(skip)('two coordinated Tally instances on one database', () => {
  const database = freshDatabase('tally_alerts2');
  const instances: TestServer[] = [];
  const zookeeper = `127.0.0.1:${process.env.TALLY_ZK_PORT ?? '12181'}`;

  it('delivers each crossing exactly once', async () => {
    const receiver = await startReceiver(() => 200);
    try {
      for (const url of servers().replicaUrls.slice(0, 2)) {
        const port = await freePort();
        const env = {
          ...ALERT_TEST_ENV,
          // Both sweep often: an instance that ignored ownership would evaluate and send too.
          TALLY_ALERT_SWEEP_INTERVAL_MS: '300',
          PORT: String(port),
          TALLY_STORE: 'clickhouse',
          TALLY_CLICKHOUSE_URL: url,
          TALLY_CLICKHOUSE_DATABASE: database,
          TALLY_CLICKHOUSE_CLUSTER: servers().replicatedCluster,
          TALLY_CLICKHOUSE_REPLICATED: '1',
          TALLY_CLICKHOUSE_WRITERS: 'coordinated',
          TALLY_ZOOKEEPER: zookeeper,
          TALLY_ZOOKEEPER_SESSION_TIMEOUT_MS: '6000',
          TALLY_ADVERTISE_URL: `http://127.0.0.1:${port}`,
        };
        Object.assign(process.env, env);
        instances.push(await startTestServer({ env }));
      }
      const [a, b] = instances as [TestServer, TestServer];
      const account = await a.createAccount('alerts-two');
      const key = account.secretKey;
      // One instance owns the account, the other forwards its ingest there.
      const owner = await until('the account to have one owner', () => {
        const kinds = instances.map((s) => s.services.store.placement?.(account.id).kind);
        return (
          kinds.filter((k) => k === 'local').length === 1 &&
          kinds.filter((k) => k === 'remote').length === 1 &&
          kinds
        );
      });
      expect(owner).toContain('local');
      const post = async (s: TestServer, path: string, body: unknown, status: number) => {
        // A 503 says "retry": on a busy machine a ClickHouse 18.16 replica can refuse a quorum
        // read for a moment. Resending is what clients do, and safe for events (deduplicated).
        const res = await until(`${path} accepted`, async () => {
          const r = await s.request(path, jsonInit(key, 'POST', body));
          if (r.status !== 503) return r;
          await r.body?.cancel();
          return undefined;
        });
        expect(res.status, await res.clone().text()).toBe(status);
        return res.status === 204 ? undefined : ((await res.json()) as { id: string });
      };
      await post(
        a,
        '/api/v1/meters',
        { slug: 'tokens', aggregation: 'SUM', eventType: 'prompt', valueProperty: '$.tokens' },
        201,
      );
      const endpoint = await post(b, '/api/v1/alerts/endpoints', { url: receiver.url }, 201);
      const rule = await post(
        b,
        '/api/v1/alerts/rules',
        {
          name: 'two',
          meter: 'tokens',
          endpointId: endpoint?.id,
          kind: 'period',
          thresholds: [10],
        },
        201,
      );
      const prompt = (subject: string, tokens: number) =>
        testEvent('prompt', subject, Date.now() - 1000, { tokens });
      // Events for one subject through both instances; it crosses once.
      await post(a, '/api/v1/events', [prompt('acme', 6)], 204);
      await post(b, '/api/v1/events', [prompt('acme', 6)], 204);
      const deliveries = async () => {
        const res = await a.request(`/api/v1/alerts/deliveries?ruleId=${rule?.id}`, { key });
        return (await res.json()) as { id: string; subject: string; status: string }[];
      };
      const first = await until('the crossing', async () => {
        const ds = await deliveries();
        return ds.length === 1 && ds[0]?.status === 'delivered' && ds;
      });
      // Another crossing later: by then both instances swept many times.
      await post(b, '/api/v1/events', [prompt('later', 20)], 204);
      await until('the second crossing', async () => {
        const ds = await deliveries();
        return ds.length === 2 && ds.every((d) => d.status === 'delivered');
      });
      // Sweeps of the owner (every 300 ms) well after the last webhook arrived.
      const evaluated = await until('several sweeps after the last webhook', async () => {
        const at: string[] = [];
        for (const s of instances) {
          const res = await s.request(`/api/v1/alerts/rules/${rule?.id}/state`, { key });
          const state = (await res.json()) as { lastEvaluatedAt?: string };
          if (state.lastEvaluatedAt) at.push(state.lastEvaluatedAt);
        }
        const last = receiver.received.at(-1)?.at ?? 0;
        return at.some((t) => Date.parse(t) > last + 1500) && at;
      });
      // One webhook per crossing, and only one instance evaluates the account.
      expect(receiver.received.map((r) => r.id).sort()).toEqual(
        (await deliveries()).map((d) => d.id).sort(),
      );
      expect(receiver.of(first[0]?.id ?? '')).toHaveLength(1);
      expect(evaluated).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  }, 600_000);

  afterAll(async () => {
    for (const s of instances) await s.stop();
    for (const k of Object.keys(process.env)) {
      if (
        k.startsWith('TALLY_CLICKHOUSE_') ||
        k === 'TALLY_ZOOKEEPER' ||
        k === 'TALLY_ADVERTISE_URL'
      )
        delete process.env[k];
    }
    // After the instances: their sweeps read the database until they stop.
    await dropDatabase('replicated', database);
  });
});
