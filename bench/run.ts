// `npm run bench [-- --scale quick|medium|full | --events N] [--store clickhouse --clickhouse-url URL]`
// Measures every figure of PRODUCT.md section 7 three ways in one run: through Tally's HTTP API, in
// the raw engine, and in a typed-array loop; prints the table and appends it to docs/benchmarks.md.
import { rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBenchArgs } from './args.js';
import { batchBody, generateDataset, headOf } from './dataset.js';
import { openRawEngine, serverEnv, storeDiskBytes } from './engines.js';
import { HttpClient } from './http-client.js';
import { appendReport, fmtBytes, fmtMs, fmtRate, type Row, ratio, renderTable } from './report.js';
import {
  cpuPressure,
  pidListeningOn,
  procCpuMs,
  procMemory,
  startServerProcess,
} from './server-process.js';
import { median, nowMs, percentile, timeRuns } from './stats.js';
import {
  backgroundIngest,
  dashboardQuery,
  ingestOverHttp,
  markerVisibility,
  monthlyActiveQuery,
  monthlySumQuery,
  setupAccount,
  waitForCompaction,
} from './tally-side.js';
import {
  typedDashboard,
  typedIngest,
  typedMonthlyActive,
  typedMonthlySum,
} from './typed-baseline.js';
import { type DashboardCase, dashboardCases } from './workload.js';

const opts = parseBenchArgs(process.argv.slice(2));
const log = (msg: string): void =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0);
const tag = `r${Date.now().toString(36)}`;
const workDir = resolve(opts.workDir, tag);
const notes: string[] = [];
const startLoad = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');

function check(name: string, values: Record<string, number>): void {
  const vs = Object.values(values);
  const ok = vs.every(
    (v) => Math.abs(v - (vs[0] ?? 0)) <= 1e-6 * Math.max(1, Math.abs(vs[0] ?? 0)),
  );
  const text = `${name} signature: ${Object.entries(values)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;
  log(ok ? `${text} (match)` : `MISMATCH ${text}`);
  if (!ok) notes.push(`MISMATCH: ${text}`);
}

// ---- data ------------------------------------------------------------------------------------
let t = nowMs();
const data = generateDataset(opts.events, 42);
// Background load for the "while ingesting" figures: its own events, generated up front.
const background = generateDataset(Math.max(200_000, opts.backgroundRate * 120), 7);
log(
  `generated ${opts.events.toLocaleString('en-US')} events in ${((nowMs() - t) / 1000).toFixed(1)} s`,
);
const sample = batchBody(data, 0, 1000, tag);
const avgEventBytes = sample.length / 1000;
const cases = dashboardCases(opts.runs);
const [firstCase] = dashboardCases(1) as [DashboardCase];
const caseAt = (i: number): DashboardCase => cases[i] ?? firstCase;

// ---- typed-array loop ------------------------------------------------------------------------
log('typed-array loop');
const typedIngestMs = median(await timeRuns(3, () => typedIngest(data)));
t = nowMs();
// At most 50 whole batches: a smaller --events has fewer.
const parseBodies = Array.from({ length: Math.min(50, Math.floor(data.n / 1000)) }, (_, k) =>
  batchBody(data, k * 1000, k * 1000 + 1000, tag).toString(),
);
for (const b of parseBodies) JSON.parse(b);
const jsonParseRate = ((parseBodies.length * 1000) / (nowMs() - t)) * 1000;
const typedDash = await timeRuns(opts.runs, (i) => typedDashboard(data, caseAt(i)));
const typedMonthly = median(await timeRuns(5, () => typedMonthlySum(data)));
const typedMau = median(await timeRuns(5, () => typedMonthlyActive(data)));
const sig = {
  dash: typedDashboard(data, firstCase),
  monthly: sum(typedMonthlySum(data)),
  mau: sum(typedMonthlyActive(data)),
};
const typedBytes = opts.events * (8 + 2 + 4 + 8 + 4);

// ---- raw engine ------------------------------------------------------------------------------
const raw = await openRawEngine(opts, join(workDir, 'raw'), tag);
// A ClickHouse server is a process of its own: its CPU and RSS are read from /proc as well.
const chPid =
  opts.clickhouseUrl && opts.store === 'clickhouse'
    ? pidListeningOn(Number(new URL(opts.clickhouseUrl).port))
    : undefined;
const chCpu = (): number => (chPid === undefined ? 0 : procCpuMs(chPid));
const chCpuRaw0 = chCpu();
log(`raw ${raw.name}: ingest`);
t = nowMs();
const cpu0 = process.cpuUsage();
await raw.ingest(data, tag, opts.batch);
const rawIngestRate = (opts.events / (nowMs() - t)) * 1000;
const rawCpu = process.cpuUsage(cpu0);
const chCpuRawUsPerEvent = ((chCpu() - chCpuRaw0) * 1000) / opts.events;
const rawCpuUsPerEvent = (rawCpu.user + rawCpu.system) / opts.events + chCpuRawUsPerEvent;
// The same append with one commit per 100,000 events separates the engine's CPU cost from the
// per-commit (WAL write + fsync) cost that a durable acknowledgement per batch pays.
const bulk = await openRawEngine(opts, join(workDir, 'raw-bulk'), `${tag}b`);
const bulkData = headOf(data, 500_000);
t = nowMs();
await bulk.ingest(bulkData, `${tag}b`, 100_000);
const rawBulkRate = (bulkData.n / (nowMs() - t)) * 1000;
await bulk.close();
log(`raw ${bulk.name}, one commit per 100,000: ${fmtRate(rawBulkRate)}`);
t = nowMs();
await raw.settle?.();
const rawSettleMs = nowMs() - t;
log(
  `raw ${raw.name}: ${fmtRate(rawIngestRate)}; settled in ${(rawSettleMs / 1000).toFixed(1)} s; queries`,
);
const rawDash = await timeRuns(opts.runs, (i) => raw.dashboard(caseAt(i)));
const rawMonthly = median(await timeRuns(5, () => raw.monthlySum()));
const rawMau = median(await timeRuns(5, () => raw.monthlyActive()));
const rawSig = {
  dash: await raw.dashboard(firstCase),
  monthly: sum(await raw.monthlySum()),
  mau: sum(await raw.monthlyActive()),
};
const rawDisk = await raw.diskBytes();
await raw.close();

// ---- Tally over HTTP -------------------------------------------------------------------------
const adminToken = `bench_admin_${tag}_token`;
const server = await startServerProcess(serverEnv(opts, join(workDir, 'tally'), tag, adminToken));
log(`tally serve (pid ${server.pid}) on ${server.url}`);
const admin = new HttpClient(server.url, adminToken, 1);
const key = await setupAccount(admin);
admin.close();
const http = new HttpClient(server.url, key, opts.connections + 2);
const serverCpu0 = server.cpuMs();
const chCpuHttp0 = chCpu();
const clientCpu0 = process.cpuUsage();
const pressureBefore = cpuPressure();
const ingest = await ingestOverHttp(
  http,
  data,
  tag,
  opts.batch,
  opts.connections,
  2_000_000,
  (done) => log(`ingested ${done.toLocaleString('en-US')}`),
);
const httpIngestRate = (ingest.events / ingest.sendMs) * 1000;
const serverCpuUsPerEvent = ((server.cpuMs() - serverCpu0) * 1000) / opts.events;
const clientCpu = process.cpuUsage(clientCpu0);
const chCpuHttpUsPerEvent = ((chCpu() - chCpuHttp0) * 1000) / opts.events;
const pressureAfter = cpuPressure();
log(
  `HTTP ingest ${fmtRate(httpIngestRate)} (${ingest.retries} retries; rendering bodies took ${(ingest.renderMs / 1000).toFixed(1)} s, not timed)`,
);
const memLoaded = server.memory();
// The embedded store rewrites closed days and months sorted by subject once no rows arrive for
// them; the query figures are for that steady state, and the wait (and its CPU) is reported.
const compactCpu0 = server.cpuMs();
const compactionMs = await waitForCompaction(http);
const compactionCpuMs = server.cpuMs() - compactCpu0;
log(`compaction after ingest: ${(compactionMs / 1000).toFixed(1)} s`);

const tallySig = {
  dash: await dashboardQuery(http, firstCase),
  monthly: await monthlySumQuery(http),
  mau: await monthlyActiveQuery(http),
};
check('dashboard', { typed: sig.dash, raw: rawSig.dash, tally: tallySig.dash });
check('monthly sum', { typed: sig.monthly, raw: rawSig.monthly, tally: tallySig.monthly });
check('monthly active', { typed: sig.mau, raw: rawSig.mau, tally: tallySig.mau });

log('queries, idle');
const visIdle: number[] = [];
for (let k = 0; k < 20; k++) visIdle.push(await markerVisibility(http, data, k, `${tag}i`));
const tallyDash = await timeRuns(opts.runs, (i) => dashboardQuery(http, caseAt(i)));
const tallyMonthly = median(await timeRuns(5, () => monthlySumQuery(http)));
const tallyMau = median(await timeRuns(5, () => monthlyActiveQuery(http)));

log(`queries while ingesting ${opts.backgroundRate}/s`);
const bg = backgroundIngest(http, background, `${tag}bg`, opts.backgroundRate);
const tallyDashLoad = await timeRuns(opts.runs, (i) => dashboardQuery(http, caseAt(i)));
const visLoad: number[] = [];
for (let k = 0; k < 50; k++) visLoad.push(await markerVisibility(http, data, k, `${tag}l`));
const bgDone = await bg.stop();
const bgRate = bgDone.events / bgDone.seconds;
const memAfter = server.memory();
http.close();
const storedEvents = opts.events + bgDone.events + 70;
log('stopping the server (gracefully: the embedded store checkpoints on close)');
await server.stop();
const tallyDisk = await storeDiskBytes(opts, join(workDir, 'tally'), tag);

// ---- report ----------------------------------------------------------------------------------
const vis = [...visIdle, ...visLoad];
const p = (xs: number[], q: number): number => percentile(xs, q);
const rows: Row[] = [
  {
    figure: `HTTP ingest, durable ack, batches of ${opts.batch}, ${opts.connections} connections`,
    target: '>= 200,000 events/s and >= 50% of raw',
    tally: fmtRate(httpIngestRate),
    raw: fmtRate(rawIngestRate),
    typed: fmtRate((opts.events / typedIngestMs) * 1000),
    vsRaw: `${((100 * httpIngestRate) / rawIngestRate).toFixed(0)}% of raw`,
    pass: httpIngestRate >= 200_000 && httpIngestRate >= 0.5 * rawIngestRate,
  },
  {
    figure: `ack -> visible in queries, p99 (p50) of ${vis.length}, idle and under load`,
    target: 'p99 <= 1 s',
    tally: `${fmtMs(p(vis, 99))} (${fmtMs(p(vis, 50))})`,
    raw: 'n/a (commit is visible)',
    typed: 'n/a',
    vsRaw: '',
    pass: p(vis, 99) <= 1000,
  },
  {
    figure: `dashboard query p50 / p99, idle (${opts.runs} runs)`,
    target: 'p50 <= 20 ms, p99 <= 100 ms',
    tally: `${fmtMs(p(tallyDash, 50))} / ${fmtMs(p(tallyDash, 99))}`,
    raw: `${fmtMs(p(rawDash, 50))} / ${fmtMs(p(rawDash, 99))}`,
    typed: `${fmtMs(p(typedDash, 50))} / ${fmtMs(p(typedDash, 99))}`,
    vsRaw: ratio(p(tallyDash, 50), p(rawDash, 50)),
    pass: p(tallyDash, 50) <= 20 && p(tallyDash, 99) <= 100,
  },
  {
    figure: `dashboard query p50 / p99, while ingesting ${fmtRate(bgRate)}`,
    target: 'p50 <= 20 ms, p99 <= 100 ms',
    tally: `${fmtMs(p(tallyDashLoad, 50))} / ${fmtMs(p(tallyDashLoad, 99))}`,
    raw: '',
    typed: '',
    vsRaw: ratio(p(tallyDashLoad, 50), p(rawDash, 50)),
    pass: p(tallyDashLoad, 50) <= 20 && p(tallyDashLoad, 99) <= 100,
  },
  {
    figure: 'monthly SUM, whole year, all customers (median of 5)',
    target: '<= 500 ms',
    tally: fmtMs(tallyMonthly),
    raw: fmtMs(rawMonthly),
    typed: fmtMs(typedMonthly),
    vsRaw: ratio(tallyMonthly, rawMonthly),
    pass: tallyMonthly <= 500,
  },
  {
    figure: 'exact monthly active, month to date, daily points for a year (median of 5)',
    target: '<= 2 s',
    tally: fmtMs(tallyMau),
    raw: fmtMs(rawMau),
    typed: fmtMs(typedMau),
    vsRaw: ratio(tallyMau, rawMau),
    pass: tallyMau <= 2000,
  },
  {
    figure: 'server RSS after loading (peak)',
    target: '<= 1.5 GB',
    tally: `${fmtBytes(memAfter.rss)} (${fmtBytes(Math.max(memAfter.peak, memLoaded.peak))})`,
    raw: chPid === undefined ? 'n/a' : `ClickHouse server ${fmtBytes(procMemory(chPid).rss)}`,
    typed: fmtBytes(typedBytes),
    vsRaw: '',
    pass: memAfter.rss <= 1.5e9,
  },
  {
    figure: 'disk bytes per stored event (raw event + meter rows)',
    target: '<= 48 B',
    tally: `${(tallyDisk / storedEvents).toFixed(1)} B`,
    raw: `${(rawDisk / opts.events).toFixed(1)} B`,
    typed: `${(typedBytes / opts.events).toFixed(0)} B (columns, no raw JSON)`,
    vsRaw: ratio(tallyDisk / storedEvents, rawDisk / opts.events),
    pass: tallyDisk / storedEvents <= 48,
  },
];
const table = renderTable(rows, raw.name);
console.log(`\n${table}\n`);
const context = [
  `scale: ${opts.scaleName} (${opts.events.toLocaleString('en-US')} events of ${avgEventBytes.toFixed(0)} bytes JSON on average, 1 account, 1,000 Zipf subjects, 2 meters = 2 meter rows per event), store: ${opts.store}`,
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${fmtBytes(totalmem())} RAM, Node ${process.version}; client, server and raw engine share the ${cpus().length} cores; load average at start ${startLoad} (other processes on the machine are not controlled; see the CPU pressure line)`,
  `raw ${raw.name} ingest with one commit per 100,000 events instead of per ${opts.batch}: ${fmtRate(rawBulkRate)} (first ${bulkData.n.toLocaleString('en-US')} events)`,
  `CPU per event while ingesting (independent of the other load on the machine): Tally server ${serverCpuUsPerEvent.toFixed(1)} µs (so about ${fmtRate(2e6 / serverCpuUsPerEvent)} if it had both cores alone), raw ${raw.name} ${rawCpuUsPerEvent.toFixed(1)} µs (bench process incl. engine threads${chPid === undefined ? '' : `, plus the ClickHouse server's ${chCpuRawUsPerEvent.toFixed(1)} µs; during HTTP ingest the ClickHouse server used ${chCpuHttpUsPerEvent.toFixed(1)} µs per event on top of Tally's figure`}); the HTTP client used ${(((clientCpu.user + clientCpu.system) / 1e6 / (ingest.sendMs / 1000)) * 100).toFixed(0)}% of one core meanwhile`,
  `CPU pressure (PSI some avg60) before / after HTTP ingest: ${pressureBefore} / ${pressureAfter}`,
  ...(opts.store === 'embedded'
    ? [
        `sorting closed months by subject finished ${(compactionMs / 1000).toFixed(1)} s after the last acknowledgement, using ${(compactionCpuMs / 1000).toFixed(1)} s of server CPU then (the rewrites during ingest are in the CPU per event above); the raw side's same rewrite of the 12 months after its ingest took ${(rawSettleMs / 1000).toFixed(1)} s`,
      ]
    : []),
  `HTTP ingest: ${ingest.retries} 429/503 retries; JSON.parse alone of the same batch bodies in one thread: ${fmtRate(jsonParseRate)}; background load achieved ${fmtRate(bgRate)}`,
];
const title = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${opts.scaleName}, ${opts.store}`;
if (opts.note) notes.push(opts.note);
if (opts.append) appendReport('docs/benchmarks.md', title, context, table, notes);
for (const c of context) console.log(c);
rmSync(workDir, { recursive: true, force: true });
for (const n of notes) console.log(n);
