// Ingest latency and throughput of the ClickHouse store through `Store.append` (no HTTP), against
// the servers of start.sh. Two loads:
//   closed loop (default): CONCURRENCY lanes each append BATCH events back to back, EVENTS total;
//   open loop (RATE=events/s): one BATCH every BATCH/RATE s whatever the acks, for EVENTS total,
//     which is what a fleet of clients does and shows ack latency at a given load.
// An append resolves after the events, their meter rows and the dedupe commit are stored, so its
// latency is the ack -> visible latency. Usage:
//   TOPOLOGY=single|cluster EVENTS=200000 BATCH=1000 CONCURRENCY=16 [RATE=20000] \
//     npx tsx scripts/clickhouse/ingest-latency.ts
// URLs come from TALLY_CH_SINGLE_URL / TALLY_CH_SHARD_URLS or $TALLY_CH_DIR/env (start.sh). CPU per
// event (this process, and the servers when start.sh's pid files are there) is printed too: on a
// shared machine it is the figure that does not depend on the other load.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { connect } from '../../src/store/clickhouse/client.js';
import { createClickHouseStore } from '../../src/store/clickhouse/store.js';
import type { Store } from '../../src/store/ports.js';

function envFile(): Record<string, string> {
  const path = join(process.env.TALLY_CH_DIR ?? '.tmp/clickhouse', 'env');
  const out: Record<string, string> = {};
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}

const file = envFile();
const single = process.env.TALLY_CH_SINGLE_URL ?? file.TALLY_CH_SINGLE_URL ?? '';
const shards = (process.env.TALLY_CH_SHARD_URLS ?? file.TALLY_CH_SHARD_URLS ?? '').split(',');
const topology = process.env.TOPOLOGY === 'cluster' ? 'cluster' : 'single';
const events = Number(process.env.EVENTS ?? 200_000);
const batch = Number(process.env.BATCH ?? 1000);
const lanes = Number(process.env.CONCURRENCY ?? 16);
const rate = process.env.RATE ? Number(process.env.RATE) : undefined;
const database = `tally_lat_${Date.now().toString(36)}`;

function item(i: number): IngestItem {
  const subject = `customer-${i % 997}`;
  return {
    event: {
      accountId: 'acc',
      id: `evt-${i}`,
      source: 'svc',
      type: 'request',
      subject,
      time: Date.now() - 1000 + (i % 1000),
      ingestedAt: Date.now(),
      data: JSON.stringify({ tokens: i % 500, model: `m${i % 7}`, region: `r${i % 5}` }),
    },
    rows: [{ meterId: 'm1', value: i % 500, valueText: null, dims: [`m${i % 7}`, `r${i % 5}`] }],
  };
}

/** CPU ms used so far by the servers start.sh started for this topology (0 when unknown). */
function serverCpuMs(): number {
  const dir = process.env.TALLY_CH_DIR ?? '.tmp/clickhouse';
  const names = topology === 'single' ? ['single'] : ['shard1', 'shard2'];
  let ticks = 0;
  for (const name of names) {
    const pidFile = join(dir, name, 'pid');
    if (!existsSync(pidFile)) continue;
    const stat = `/proc/${readFileSync(pidFile, 'utf8').trim()}/stat`;
    if (!existsSync(stat)) continue;
    // Fields after the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(stat, 'utf8').split(') ')[1]?.split(' ') ?? [];
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks * 10;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const url = topology === 'single' ? single : (shards[0] ?? '');
  if (!url) throw new Error('no ClickHouse URL: run scripts/clickhouse/start.sh first');
  const store: Store = await createClickHouseStore({
    url,
    database,
    ...(topology === 'cluster' ? { cluster: 'tally_cluster', shards } : {}),
  });
  const latencies: number[] = [];
  let duplicates = 0;
  const send = async (first: number) => {
    const items = Array.from({ length: Math.min(batch, events - first) }, (_, k) =>
      item(first + k),
    );
    const t = performance.now();
    const r = await store.append(items);
    latencies.push(performance.now() - t);
    duplicates += r.duplicates.length;
  };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const serverBefore = serverCpuMs();
  if (rate === undefined) {
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < events) {
          const first = next;
          next += batch;
          await send(first);
        }
      }),
    );
  } else {
    const inFlight: Promise<void>[] = [];
    const gapMs = (batch / rate) * 1000;
    for (let first = 0, k = 0; first < events; first += batch, k++) {
      const due = started + k * gapMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(send(first));
    }
    await Promise.all(inFlight);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const clientUs = (cpu.user + cpu.system) / events;
  const serverUs = ((serverCpuMs() - serverBefore) * 1000) / events;
  const stats = await store.stats();
  // A resend of everything is all duplicates: the dedupe guarantee, checked on every run.
  const again = await store.append(
    Array.from({ length: Math.min(batch, events) }, (_, i) => item(i)),
  );
  const sorted = [...latencies].sort((a, b) => a - b);
  const nodes = topology === 'single' ? [single] : shards;
  let parts = 0;
  for (const n of nodes) {
    const c = connect(n);
    const [row] = await c.exec<{ n: string }>(
      `SELECT count() AS n FROM system.parts WHERE active AND database = '${database}'`,
    );
    parts += Number(row?.n ?? 0);
    await c.exec(`DROP DATABASE IF EXISTS ${database}`);
    await c.close();
  }
  await store.close();
  console.log(
    JSON.stringify({
      topology,
      events,
      batch,
      load: rate === undefined ? `closed ${lanes} lanes` : `open ${rate}/s`,
      eventsPerSecond: Math.round(events / seconds),
      appendMs: {
        p50: Math.round(pct(sorted, 50)),
        p90: Math.round(pct(sorted, 90)),
        p99: Math.round(pct(sorted, 99)),
        max: Math.round(sorted[sorted.length - 1] ?? 0),
      },
      cpuUsPerEvent: { tally: Math.round(clientUs), clickhouse: Math.round(serverUs) },
      stored: stats.events,
      duplicatesFirstPass: duplicates,
      resendDuplicates: again.duplicates.length,
      activeParts: parts,
    }),
  );
}

await main();
