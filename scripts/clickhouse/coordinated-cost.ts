// CPU per ingested event with several Tally processes in `coordinated` mode on the replicated test
// cluster (what `npm run bench -- --store clickhouse` measures for one process on one server).
// Starts PROCESSES Tally servers (default 3) against scripts/clickhouse/start.sh's replicated
// cluster and its ZooKeeper, sends EVENTS events (default 200 000) in batches of 1,000 over 4
// connections spread over the processes, and reads the CPU time of the Tally processes, of every
// ClickHouse server of the cluster and of ZooKeeper from /proc. Usage:
//   bash scripts/clickhouse/start.sh && npx tsx scripts/clickhouse/coordinated-cost.ts
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');
const DIR = process.env.TALLY_CH_DIR ?? join(REPO, '.tmp', 'clickhouse');
const EVENTS = Number(process.env.EVENTS ?? 200_000);
const PROCESSES = Number(process.env.PROCESSES ?? 3);
const BATCH = 1000;
const TOKEN = 'coordinated-cost-admin-token-0123456789';
const CLK_TCK = 100;

const env = Object.fromEntries(
  readFileSync(join(DIR, 'env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
);
const replicas = (env.TALLY_CH_REPLICA_URLS ?? '').split(',');
const database = `tally_cost_${Date.now().toString(36)}`;

/** utime + stime of a process, in seconds. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

const pidFile = (name: string) => Number(readFileSync(join(DIR, name, 'pid'), 'utf8').trim());

async function call(url: string, path: string, key: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function ready(url: string): Promise<void> {
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const servers: { url: string; child: ChildProcess }[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const port = 38700 + i;
    const child = spawn(process.execPath, [join(REPO, 'bin/tally.js'), 'serve'], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        TALLY_DATA_DIR: join(DIR, `cost-t${i}`),
        TALLY_ADMIN_TOKEN: TOKEN,
        TALLY_LOG_LEVEL: 'warn',
        TALLY_STORE: 'clickhouse',
        TALLY_CLICKHOUSE_URL: replicas[i % replicas.length],
        TALLY_CLICKHOUSE_DATABASE: database,
        TALLY_CLICKHOUSE_CLUSTER: env.TALLY_CH_REPLICATED_CLUSTER,
        TALLY_CLICKHOUSE_REPLICATED: '1',
        TALLY_CLICKHOUSE_WRITERS: 'coordinated',
        TALLY_ZOOKEEPER: `127.0.0.1:${process.env.TALLY_ZK_PORT ?? '12181'}`,
        TALLY_ADVERTISE_URL: `http://127.0.0.1:${port}`,
      },
      stdio: 'ignore',
    });
    servers.push({ url: `http://127.0.0.1:${port}`, child });
    // The first runs the migrations alone.
    if (i === 0) await ready(`http://127.0.0.1:${port}`);
  }
  await Promise.all(servers.map((s) => ready(s.url)));
  const first = servers[0]?.url ?? '';
  const accounts: string[] = [];
  for (let a = 0; a < 6; a++) {
    const { id } = (await (
      await call(first, '/admin/v1/accounts', TOKEN, { name: `cost-${a}` })
    ).json()) as { id: string };
    const { key } = (await (
      await call(first, `/admin/v1/accounts/${id}/keys`, TOKEN, { kind: 'secret' })
    ).json()) as { key: string };
    await call(first, '/api/v1/meters', key, {
      slug: 'tokens',
      aggregation: 'SUM',
      eventType: 'call',
      valueProperty: '$.tokens',
    });
    await call(first, '/api/v1/meters', key, {
      slug: 'calls',
      aggregation: 'COUNT',
      eventType: 'call',
    });
    accounts.push(key);
  }
  const chPids = ['s1r1', 's1r2', 's2r1', 's2r2'].map(pidFile);
  const zkPid = pidFile('zookeeper');
  const tallyPids = servers.map((s) => s.child.pid ?? 0);
  const before = {
    tally: tallyPids.map(cpuOf),
    ch: chPids.map(cpuOf),
    zk: cpuOf(zkPid),
  };
  const started = Date.now();
  let next = 0;
  let retries = 0;
  const lane = async (l: number) => {
    for (;;) {
      const b = next++;
      if (b * BATCH >= EVENTS) return;
      const key = accounts[b % accounts.length] ?? '';
      const body = JSON.stringify(
        Array.from({ length: BATCH }, (_, i) => ({
          specversion: '1.0',
          id: `e-${b}-${i}`,
          source: 'cost',
          type: 'call',
          subject: `user-${i % 50}`,
          time: new Date(Date.UTC(2026, 0, 1) + (b * BATCH + i) * 1000).toISOString(),
          data: { tokens: i % 100 },
        })),
      );
      for (let attempt = 0; ; attempt++) {
        const url = servers[(b + attempt + l) % servers.length]?.url ?? '';
        const res = await fetch(`${url}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body,
        }).catch(() => undefined);
        if (res?.status === 204) break;
        retries++;
        await res?.body?.cancel();
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(lane));
  const seconds = (Date.now() - started) / 1000;
  const us = (s: number) => ((s * 1e6) / EVENTS).toFixed(1);
  const tally = tallyPids.reduce((s, p, i) => s + cpuOf(p) - (before.tally[i] ?? 0), 0);
  const ch = chPids.reduce((s, p, i) => s + cpuOf(p) - (before.ch[i] ?? 0), 0);
  const zk = cpuOf(zkPid) - before.zk;
  console.log(
    JSON.stringify({
      processes: PROCESSES,
      events: EVENTS,
      seconds: Number(seconds.toFixed(1)),
      eventsPerSecond: Math.round(EVENTS / seconds),
      retries,
      cpuUsPerEvent: { tally: us(tally), clickhouse4Servers: us(ch), zookeeper: us(zk) },
    }),
  );
  for (const s of servers) s.child.kill('SIGTERM');
}

await main();
