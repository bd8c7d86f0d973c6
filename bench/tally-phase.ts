// The Tally side of a run: a `tally serve` child process driven over HTTP, with the server's
// memory sampled at checkpoints during ingest and its CPU read from /proc.
import { join } from 'node:path';
import type { BenchOptions } from './args.js';
import type { Dataset } from './dataset.js';
import { serverEnv, storeDiskBytes } from './engines.js';
import { HttpClient } from './http-client.js';
import { fmtDuration, log, Progress, phase } from './progress.js';
import { fmtBytes, fmtRate } from './report.js';
import {
  cpuPressure,
  machineBusyMs,
  type ServerProcess,
  startServerProcess,
} from './server-process.js';
import { median, nowMs, timeRuns } from './stats.js';
import {
  backgroundIngest,
  type CompactionWait,
  dashboardQuery,
  type IngestOutcome,
  ingestOverHttp,
  markerVisibility,
  monthlyActiveQuery,
  monthlySumQuery,
  serverMetrics,
  setupAccount,
  waitForCompaction,
} from './tally-side.js';
import type { Signatures } from './typed-side.js';
import type { DashboardCase } from './workload.js';

/** The server's memory once the events up to a checkpoint are acknowledged and folded. */
export interface MemorySample {
  /** Events the bench had sent, and the store's count (tally_store_events) at the sample. */
  sent: number;
  stored: number;
  rss: number;
  /** VmHWM: the highest RSS so far. */
  peak: number;
  /** The V8 heap in use and V8's external memory (Buffers), from the server's own metrics. */
  heapUsed: number;
  external: number;
}

export interface TallyResult {
  env: Record<string, string>;
  /** The account's secret key, for the restart phase. */
  key: string;
  dataDir: string;
  ingest: IngestOutcome;
  perSecond: number;
  cpu: {
    usPerEvent: number;
    mainThreadUsPerEvent: number;
    /** CPU time over the sending time: how many cores the server, the client, all processes used. */
    serverCores: number;
    clientCores: number;
    machineCores: number;
    /** A ClickHouse server's CPU per event on top of Tally's (0 for the embedded store). */
    engineServerUsPerEvent: number;
  };
  pressure: { before: string; after: string };
  checkpoints: MemorySample[];
  compaction: CompactionWait & { cpuMs: number };
  sig: Signatures;
  visIdle: number[];
  visLoad: number[];
  dashIdle: number[];
  dashLoad: number[];
  monthlyMs: number;
  mauMs: number;
  background: { perSecond: number; events: number; ranOut: boolean };
  /** Event-loop delay of the server while the loaded dashboard queries ran (prom-client). */
  loadLag: { p99Ms: number; maxMs: number };
  memAfter: { rss: number; peak: number };
  stored: number;
  stopMs: number;
  diskBytes: number;
  diskPerEvent: number;
}

const SEGMENT_EVENTS = 2_000_000;

async function sampleMemory(
  server: ServerProcess,
  http: HttpClient,
  sent: number,
): Promise<MemorySample> {
  // The scrape waits for the fold (embedded store), so this is the memory once it caught up.
  const m = await serverMetrics(http);
  const mem = server.memory();
  return {
    sent,
    stored: m.get('tally_store_events') ?? Number.NaN,
    rss: mem.rss,
    peak: mem.peak,
    heapUsed: m.get('tally_nodejs_heap_size_used_bytes') ?? Number.NaN,
    external: m.get('tally_nodejs_external_memory_bytes') ?? Number.NaN,
  };
}

export function describeSample(s: MemorySample): string {
  return `RSS ${fmtBytes(s.rss)} (peak ${fmtBytes(s.peak)}; V8 heap ${fmtBytes(s.heapUsed)}, external ${fmtBytes(s.external)}, the rest native: DuckDB, ClickHouse client buffers, code)`;
}

export async function runTallySide(
  opts: BenchOptions,
  data: Dataset,
  background: Dataset,
  workDir: string,
  tag: string,
  caseAt: (i: number) => DashboardCase,
  engineCpuMs: () => number,
): Promise<TallyResult> {
  const adminToken = `bench_admin_${tag}_token`;
  const dataDir = join(workDir, 'tally');
  const env = serverEnv(opts, dataDir, tag, adminToken);
  const server = await startServerProcess(env);
  log(`tally serve (pid ${server.pid}) on ${server.url}, ready in ${server.readyMs.toFixed(0)} ms`);
  const admin = new HttpClient(server.url, adminToken, 1);
  const key = await setupAccount(admin);
  admin.close();
  const http = new HttpClient(server.url, key, opts.connections + 2);

  phase('HTTP ingest');
  const serverCpu0 = server.cpuMs();
  const mainCpu0 = server.mainThreadCpuMs();
  const engineCpu0 = engineCpuMs();
  const pressureBefore = cpuPressure();
  const checkpoints: MemorySample[] = [];
  const progress = new Progress('HTTP ingest', data.n);
  // Cores busy are summed over the sending windows only (not while bodies render or at a
  // checkpoint): the server's, the client's, and the whole machine's (other tenants included).
  const busy = { server: 0, client: 0, machine: 0 };
  let at = { server: 0, client: 0, machine: 0 };
  const sampleCpu = () => {
    const c = process.cpuUsage();
    return { server: server.cpuMs(), client: (c.user + c.system) / 1000, machine: machineBusyMs() };
  };
  const ingest = await ingestOverHttp(http, data, tag, {
    batch: opts.batch,
    connections: opts.connections,
    segmentEvents: SEGMENT_EVENTS,
    stops: opts.checkpoints,
    onSend: () => {
      at = sampleCpu();
    },
    onSegment: async (done, sendMs) => {
      const now = sampleCpu();
      busy.server += now.server - at.server;
      busy.client += now.client - at.client;
      busy.machine += now.machine - at.machine;
      const rate = fmtRate((done / sendMs) * 1000);
      progress.update(done, `${rate} while sending; server RSS ${fmtBytes(server.memory().rss)}`);
      if (!opts.checkpoints.includes(done)) return;
      const s = await sampleMemory(server, http, done);
      checkpoints.push(s);
      log(`checkpoint at ${done.toLocaleString('en-US')} events: ${describeSample(s)}`);
    },
  });
  const serverCpuMs = server.cpuMs() - serverCpu0;
  const perSecond = (ingest.events / ingest.sendMs) * 1000;
  const cpu = {
    usPerEvent: (serverCpuMs * 1000) / data.n,
    mainThreadUsPerEvent: ((server.mainThreadCpuMs() - mainCpu0) * 1000) / data.n,
    serverCores: busy.server / ingest.sendMs,
    clientCores: busy.client / ingest.sendMs,
    machineCores: busy.machine / ingest.sendMs,
    engineServerUsPerEvent: ((engineCpuMs() - engineCpu0) * 1000) / data.n,
  };
  const pressureAfter = cpuPressure();
  log(
    `HTTP ingest ${fmtRate(perSecond)} (${ingest.retries} retries; rendering bodies took ${(ingest.renderMs / 1000).toFixed(1)} s, not timed); server CPU ${cpu.usPerEvent.toFixed(1)} µs per event`,
  );

  // The embedded store rewrites closed days and months sorted by subject once no rows arrive for
  // them; the query figures are for that steady state, and the wait (and its CPU) is reported.
  phase('compaction wait');
  const compactCpu0 = server.cpuMs();
  let lastPoll = 0;
  const waited = await waitForCompaction(http, Math.max(600_000, data.n * 0.02), (backlog) => {
    if (nowMs() - lastPoll < 30_000) return;
    lastPoll = nowMs();
    log(`compaction backlog: ${backlog} chunks`);
  });
  const compaction = { ...waited, cpuMs: server.cpuMs() - compactCpu0 };
  log(
    `compaction after ingest: ${fmtDuration(compaction.ms)}${compaction.left > 0 ? `, gave up with ${compaction.left} chunks left` : ''}`,
  );

  const sig = {
    dash: await dashboardQuery(http, caseAt(0)),
    monthly: await monthlySumQuery(http),
    mau: await monthlyActiveQuery(http),
  };

  phase('idle queries');
  const visIdle: number[] = [];
  for (let k = 0; k < 20; k++) visIdle.push(await markerVisibility(http, data, k, `${tag}i`));
  const dashIdle = await timeRuns(opts.runs, (i) => dashboardQuery(http, caseAt(i)));
  const monthlyMs = median(await timeRuns(5, () => monthlySumQuery(http)));
  const mauMs = median(await timeRuns(5, () => monthlyActiveQuery(http)));

  phase(`queries while ${opts.backgroundRate.toLocaleString('en-US')} events/s arrive`);
  await serverMetrics(http); // resets the server's event-loop delay histogram
  const bg = backgroundIngest(http, background, `${tag}bg`, opts.backgroundRate);
  const dashLoad = await timeRuns(opts.runs, (i) => dashboardQuery(http, caseAt(i)));
  const visLoad: number[] = [];
  for (let k = 0; k < 50; k++) visLoad.push(await markerVisibility(http, data, k, `${tag}l`));
  const bgDone = await bg.stop();
  const lagMetrics = await serverMetrics(http);
  const loadLag = {
    p99Ms: (lagMetrics.get('tally_nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000,
    maxMs: (lagMetrics.get('tally_nodejs_eventloop_lag_max_seconds') ?? Number.NaN) * 1000,
  };
  const memAfter = server.memory();
  const stored = (await serverMetrics(http)).get('tally_store_events') ?? Number.NaN;
  http.close();

  phase('graceful stop');
  const stopMs = await server.stop();
  const diskBytes = await storeDiskBytes(opts, dataDir, tag);
  log(`stopped in ${fmtDuration(stopMs)}; ${stored.toLocaleString('en-US')} events stored`);
  return {
    env,
    key,
    dataDir,
    ingest,
    perSecond,
    cpu,
    pressure: { before: pressureBefore, after: pressureAfter },
    checkpoints,
    compaction,
    sig,
    visIdle,
    visLoad,
    dashIdle,
    dashLoad,
    monthlyMs,
    mauMs,
    background: {
      perSecond: bgDone.events / bgDone.seconds,
      events: bgDone.events,
      ranOut: bgDone.ranOut,
    },
    loadLag,
    memAfter,
    stored,
    stopMs,
    diskBytes,
    diskPerEvent: diskBytes / stored,
  };
}
