// `npm run bench [-- --scale quick|medium|full | --events N] [--store clickhouse --clickhouse-url URL]`
// Measures every figure of the targets in docs/benchmarks.md three ways in one run: through Tally's
// HTTP API, in the raw engine, and in a typed-array loop; prints the table, appends it to the run
// log of docs/benchmarks.md and rewrites the run's column of the latest-figures table there.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { PHASES, parseBenchArgs } from './args.js';
import { batchBody, generateDataset } from './dataset.js';
import { dropStoreData } from './engines.js';
import { buildRows } from './figures.js';
import { benchMemory, ensureHeap } from './heap.js';
import { summaryRun, updateLatest } from './latest-figures.js';
import { fmtDuration, log, phase, phaseDurations, startHeartbeat } from './progress.js';
import { runRawSide } from './raw-side.js';
import { appendRunLog, fmtBytes, fmtCount, fmtRate, renderTable, whyLines } from './report.js';
import { type RestartResult, runRestarts, type StartSample } from './restart-phase.js';
import { pidListeningOn, procCpuMs, procMemory } from './server-process.js';
import { describeSample, runTallySide } from './tally-phase.js';
import { runTypedSide, type Signatures, typedSignatures } from './typed-side.js';
import { type DashboardCase, dashboardCases } from './workload.js';

const opts = parseBenchArgs(process.argv.slice(2));
ensureHeap(opts.events);
const stopHeartbeat = startHeartbeat(benchMemory);
const tag = `r${Date.now().toString(36)}`;
const workDir = resolve(opts.workDir, tag);
const notes: string[] = [];
const startLoad = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');

async function timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  phase(name);
  log(benchMemory());
  return fn();
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown commit';
  }
}

function check(name: string, values: Record<string, number | undefined>): void {
  const vs = Object.entries(values).filter((e): e is [string, number] => e[1] !== undefined);
  const first = vs[0]?.[1] ?? 0;
  const ok = vs.every(([, v]) => Math.abs(v - first) <= 1e-6 * Math.max(1, Math.abs(first)));
  const text = `${name} signature: ${vs.map(([k, v]) => `${k} ${v}`).join(', ')}`;
  log(ok ? `${text} (match)` : `MISMATCH ${text}`);
  if (!ok) notes.push(`MISMATCH: ${text}`);
}

// ---- data ------------------------------------------------------------------------------------
const data = await timed(`generating ${fmtCount(opts.events)} events`, () =>
  generateDataset(opts.events, 42),
);
// Background load for the "while ingesting" figures and the kill -9 burst: events of their own,
// enough for five minutes of the offered rate.
const background = generateDataset(Math.max(200_000, opts.backgroundRate * 300), 7);
const avgEventBytes = batchBody(data, 0, 1000, tag).length / 1000;
const cases = dashboardCases(opts.runs);
const [firstCase] = dashboardCases(1) as [DashboardCase];
const caseAt = (i: number): DashboardCase => cases[i] ?? firstCase;
const sig: Signatures = typedSignatures(data, firstCase);

// ---- the three sides -------------------------------------------------------------------------
const typed = opts.phases.has('typed')
  ? await timed('typed-array loop', () => runTypedSide(data, tag, opts.runs, caseAt))
  : undefined;

// A ClickHouse server is a process of its own: its CPU and RSS are read from /proc as well.
const chPid =
  opts.clickhouseUrl && opts.store === 'clickhouse'
    ? pidListeningOn(Number(new URL(opts.clickhouseUrl).port))
    : undefined;
const engineCpuMs = (): number => (chPid === undefined ? 0 : procCpuMs(chPid));
const rawName = opts.store === 'embedded' ? 'DuckDB' : 'ClickHouse';

const raw = opts.phases.has('raw')
  ? await timed(`raw ${rawName}`, () =>
      runRawSide(opts, data, workDir, tag, opts.runs, caseAt, engineCpuMs),
    )
  : undefined;

const tally = opts.phases.has('tally')
  ? await timed('starting the server', () =>
      runTallySide(opts, data, background, workDir, tag, caseAt, engineCpuMs),
    )
  : undefined;
let restart: RestartResult | undefined;
if (tally && opts.phases.has('restart')) {
  try {
    restart = await timed('restart', () =>
      runRestarts(opts, tally.env, tally.key, background, tag),
    );
  } catch (err) {
    // Hours of measurements are not thrown away for the last phase.
    log(`restart phase failed: ${(err as Error).stack ?? err}`);
    notes.push(`The restart phase failed: ${(err as Error).message}`);
  }
}
phase('removing the data');
if (tally) await dropStoreData(opts, tally.dataDir, tag);
const durations = phaseDurations();
stopHeartbeat();

check('dashboard', { typed: sig.dash, raw: raw?.sig.dash, tally: tally?.sig.dash });
check('monthly sum', { typed: sig.monthly, raw: raw?.sig.monthly, tally: tally?.sig.monthly });
check('monthly active', { typed: sig.mau, raw: raw?.sig.mau, tally: tally?.sig.mau });

// ---- report ----------------------------------------------------------------------------------
const cores = cpus().length;
const engineServerRss = chPid === undefined ? undefined : procMemory(chPid).rss;
const rows = buildRows({
  opts,
  cores,
  rawName,
  ...(typed ? { typed } : {}),
  ...(raw ? { raw } : {}),
  ...(tally ? { tally } : {}),
  ...(restart ? { restart } : {}),
  ...(engineServerRss === undefined ? {} : { engineServerRss }),
});
const table = renderTable(rows, rawName);
const why = whyLines(rows);
const commit = gitCommit();
const context = [
  `scale: ${opts.scaleName} (${opts.events.toLocaleString('en-US')} events of ${avgEventBytes.toFixed(0)} bytes JSON on average, 1 account, 1,000 Zipf subjects, 2 meters = 2 meter rows per event), store: ${opts.store}, commit ${commit}`,
  `machine: ${cores} cores (${cpus()[0]?.model ?? '?'}), ${fmtBytes(totalmem())} RAM, Node ${process.version}; client, server and raw engine share the ${cores} cores; load average at start ${startLoad} (other processes on the machine are not controlled; see the CPU pressure line)`,
];
if (raw) {
  context.push(
    raw.bulk.inline
      ? `raw ${rawName} ingest: the first ${fmtCount(raw.durable.events)} events with one commit per ${opts.batch.toLocaleString('en-US')} (${fmtRate(raw.durable.perSecond)}, the like-for-like rate), the other ${fmtCount(raw.bulk.events)} with one commit per ${opts.rawBulkCommit.toLocaleString('en-US')} (${fmtRate(raw.bulk.perSecond)}), because a commit per ${opts.batch.toLocaleString('en-US')} for all of them would take about ${fmtDuration((opts.events / raw.durable.perSecond) * 1000)}`
      : `raw ${rawName} ingest with one commit per ${opts.rawBulkCommit.toLocaleString('en-US')} instead of per ${opts.batch.toLocaleString('en-US')}: ${fmtRate(raw.bulk.perSecond)} (first ${raw.bulk.events.toLocaleString('en-US')} events, own data directory)`,
  );
}
if (tally) {
  const c = tally.cpu;
  context.push(
    `CPU per event while ingesting (independent of the other load on the machine): Tally server ${c.usPerEvent.toFixed(1)} µs, of which its main thread ${c.mainThreadUsPerEvent.toFixed(1)} µs (so about ${fmtRate((cores * 1e6) / c.usPerEvent)} if it had the ${cores} cores alone)${c.engineServerUsPerEvent > 0 ? `, and the ClickHouse server ${c.engineServerUsPerEvent.toFixed(1)} µs on top` : ''}${raw ? `; raw ${rawName} ${raw.durable.cpuUsPerEvent.toFixed(1)} µs committing per ${opts.batch.toLocaleString('en-US')} (bench process incl. engine threads${raw.durable.engineServerUsPerEvent > 0 ? `, incl. the ClickHouse server's ${raw.durable.engineServerUsPerEvent.toFixed(1)} µs` : ''})` : ''}; while sending, the server kept ${c.serverCores.toFixed(2)} cores busy, the HTTP client ${c.clientCores.toFixed(2)}, all processes on the machine ${c.machineCores.toFixed(2)}`,
    `CPU pressure (PSI some avg60) before / after HTTP ingest: ${tally.pressure.before} / ${tally.pressure.after}`,
    `server memory at the checkpoints (fold caught up): ${tally.checkpoints.map((s) => `${fmtCount(s.sent)}: ${describeSample(s)}`).join('; ')}`,
  );
  if (opts.store === 'embedded') {
    context.push(
      `sorting closed months by subject finished ${(tally.compaction.ms / 1000).toFixed(1)} s after the last acknowledgement${tally.compaction.left > 0 ? ` (the wait gave up with ${tally.compaction.left} chunks left)` : ''}, using ${(tally.compaction.cpuMs / 1000).toFixed(1)} s of server CPU then (the rewrites during ingest are in the CPU per event above)${raw ? `; the raw side's same rewrite of the 12 months after its ingest took ${(raw.settleMs / 1000).toFixed(1)} s` : ''}`,
    );
  }
  context.push(
    `HTTP ingest: ${tally.ingest.retries} 429/503 retries${typed ? `; JSON.parse alone of the same batch bodies in one thread: ${fmtRate(typed.jsonParsePerSecond)}` : ''}; background load achieved ${fmtRate(tally.background.perSecond)}${tally.background.ranOut ? ' and ran out of prepared events before the queries ended' : ''}; server event-loop delay meanwhile p99 ${tally.loadLag.p99Ms.toFixed(1)} ms, max ${tally.loadLag.maxMs.toFixed(1)} ms`,
  );
}
if (restart) {
  const started = (s: StartSample): string =>
    s.ready
      ? `ready in ${(s.readyMs / 1000).toFixed(2)} s (listening after ${(s.listenMs / 1000).toFixed(2)} s)`
      : `never ready (${s.error ?? '?'})`;
  const c = restart.crash;
  context.push(
    `restarts on the data: graceful stop ${fmtDuration(tally?.stopMs ?? Number.NaN)}, start ${started(restart.graceful)}${c ? `; kill -9 right after ${c.acked.toLocaleString('en-US')} acknowledged events, start ${started(c)}${c.ready ? `, ${(c.stored - c.storedBefore).toLocaleString('en-US')} of them found` : ''}` : ''}`,
  );
}
context.push(`phases: ${durations.phases.join(', ')}; whole run ${durations.total}`);

console.log(`\n${table}\n`);
for (const c of context) console.log(c);
for (const w of why) console.log(`why: ${w}`);
if (opts.note) notes.push(opts.note);
for (const n of notes) console.log(n);

const complete = PHASES.every((p) => opts.phases.has(p));
if (opts.append && !complete) {
  log(`not recorded in ${opts.doc}: only the phases ${[...opts.phases].join(', ')} ran`);
} else if (opts.append) {
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const title = `${date} UTC, ${opts.scaleName}, ${opts.store}`;
  appendRunLog(opts.doc, title, context, table, [...why.map((w) => `why: ${w}`), ...notes]);
  const run = summaryRun(rows, { events: opts.events, date, commit, rawName }, why);
  writeFileSync(
    opts.doc,
    updateLatest(readFileSync(opts.doc, 'utf8'), opts.store, opts.scale, run),
  );
  log(`recorded in ${opts.doc}: run log and latest figures (${opts.store}, ${opts.scale})`);
}
rmSync(workDir, { recursive: true, force: true });
