// `npm run soak -- --minutes N [--seed S]` (not in CI): the real server on the embedded store in a
// temporary data directory, under concurrent ingest (new, re-sent and mixed batches, single
// events) and queries, with graceful restarts and kill -9 at seeded random moments. After each
// restart and at the end, the totals per subject must match the acknowledged events: each counted
// exactly once, each unacknowledged one at most once, and exactly once after the client's retry.
// Prints a status line every --report-s seconds and a summary; exits 0 only when nothing was lost
// and nothing counted twice.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { type CheckpointRow, checkpoint } from './soak/checkpoint.js';
import { ADMIN_TOKEN, setup } from './soak/client.js';
import { Gate } from './soak/gate.js';
import { SoakModel } from './soak/model.js';
import { ServerWatch, summary } from './soak/report.js';
import { seededRng } from './soak/rng.js';
import { elapsed, newStats, type RunState } from './soak/run-state.js';
import { freePort, SoakServer } from './soak/server-process.js';
import { reader, writer } from './soak/workers.js';

const int = (v: string) => {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new Error(`not a non-negative number: ${v}`);
  return x;
};

const program = new Command()
  .name('soak')
  .description('ingest, queries, restarts and kill -9 against a real server; checks the totals')
  .option('--minutes <n>', 'how long to run', int, 30)
  .option('--seed <n>', 'seed of every random choice', int, 1)
  .option('--writers <n>', 'concurrent ingest clients', int, 2)
  .option('--readers <n>', 'concurrent query clients', int, 2)
  .option('--batch-max <n>', 'largest batch', int, 500)
  .option('--write-pace-ms <n>', 'pause of each writer between requests', int, 10)
  .option('--read-pace-ms <n>', 'pause of each reader between queries', int, 100)
  .option('--chaos-min-s <n>', 'shortest gap between restarts or kills', int, 15)
  .option('--chaos-max-s <n>', 'longest gap between restarts or kills', int, 45)
  .option('--report-s <n>', 'seconds between status lines', int, 30)
  .option(
    '--work-dir <dir>',
    'where the data directory and server.log go (default: a new temp dir)',
  )
  .option('--keep', 'keep the work directory after a passing run')
  .parse();

interface Options {
  minutes: number;
  seed: number;
  writers: number;
  readers: number;
  batchMax: number;
  writePaceMs: number;
  readPaceMs: number;
  chaosMinS: number;
  chaosMaxS: number;
  reportS: number;
  workDir?: string;
  keep?: boolean;
}

const opts = program.opts<Options>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const workDir = opts.workDir ? resolve(opts.workDir) : mkdtempSync(join(tmpdir(), 'tally-soak-'));
  mkdirSync(workDir, { recursive: true });
  const dataDir = join(workDir, 'data');
  const logFile = join(workDir, 'server.log');
  const server = new SoakServer(
    await freePort(),
    { TALLY_DATA_DIR: dataDir, TALLY_ADMIN_TOKEN: ADMIN_TOKEN, TALLY_LOG_LEVEL: 'warn' },
    logFile,
  );
  const rng = seededRng(opts.seed);
  const state: RunState = {
    model: new SoakModel(seededRng(opts.seed * 7919 + 1)),
    server,
    gate: new Gate(),
    key: '',
    stats: newStats(),
    retries: [],
    epoch: 0,
    chaosInProgress: false,
    writeStarted: [],
    stopping: false,
    startedAt: Date.now(),
    anomalies: [],
    anomaly: (what) => {
      state.anomalies.push(`${elapsed(state)} ${what}`);
      console.log(`!! [soak ${elapsed(state)}] ${what}`);
    },
  };
  server.onUnexpectedExit = (how) => state.anomaly(`server died on its own: ${how}`);
  console.log(
    `soak: ${opts.minutes} min, seed ${opts.seed}, ${opts.writers} writers, ${opts.readers} readers; work dir ${workDir} (server log: ${logFile})`,
  );

  await server.start();
  state.key = await setup(server.url);
  const watch = new ServerWatch(state);
  watch.sample();
  const sampler = setInterval(() => watch.sample(), 5_000);
  const reporter = setInterval(() => console.log(watch.line()), opts.reportS * 1000);
  const checkpoints: CheckpointRow[] = [];

  const workers = [
    ...Array.from({ length: opts.writers }, (_, i) =>
      writer(state, seededRng(opts.seed * 1000 + 10 + i), {
        batchMax: Math.max(1, opts.batchMax),
        paceMs: opts.writePaceMs,
      }),
    ),
    ...Array.from({ length: opts.readers }, (_, i) =>
      reader(state, seededRng(opts.seed * 1000 + 100 + i), { paceMs: opts.readPaceMs }),
    ),
  ];

  const endAt = state.startedAt + opts.minutes * 60_000;
  while (Date.now() < endAt) {
    const gapMs = rng.int(opts.chaosMinS * 1000, Math.max(opts.chaosMinS, opts.chaosMaxS) * 1000);
    await sleep(Math.min(gapMs, Math.max(0, endAt - Date.now())));
    if (Date.now() >= endAt) break;
    const r = rng.next();
    const kind = r < 0.45 ? 'kill -9' : r < 0.85 ? 'SIGTERM' : 'kill -9 during start';
    // Aim at a request in flight: the signal lands a few ms after the next batch has left.
    if (opts.writers > 0) {
      await new Promise<void>((resolve) => state.writeStarted.push(resolve));
      await sleep(rng.int(0, 30));
    }
    state.chaosInProgress = true;
    state.epoch += 1;
    // The signal lands while writers and readers are mid-request: a kill cuts them, SIGTERM lets
    // them finish. New requests wait at the gate until the checkpoint is done.
    const paused = state.gate.close();
    if (kind === 'SIGTERM') {
      const code = await server.sigterm();
      if (code !== 0) state.anomaly(`graceful shutdown exited with ${code}`);
      state.stats.restarts += 1;
    } else {
      await server.kill9();
      state.stats.kills += 1;
    }
    await paused;
    if (kind === 'kill -9 during start') {
      // A second kill while the new process replays its log and opens the store.
      server.spawn();
      await sleep(rng.int(20, 1500));
      await server.kill9();
      state.stats.kills += 1;
      state.stats.killsDuringStart += 1;
    }
    try {
      await server.start();
    } catch (err) {
      state.anomaly(`restart after ${kind} failed: ${(err as Error).message}`);
      break;
    }
    const row = await checkpoint(state, kind);
    checkpoints.push(row);
    console.log(
      `[soak ${elapsed(state)}] after ${kind}: ${row.ok ? 'totals ok' : 'TOTALS WRONG'} (${row.acked.toLocaleString('en-US')} acked, ${row.unacked} unacked of which ${row.foundStored} stored, all retried)`,
    );
    state.chaosInProgress = false;
    state.gate.open();
  }

  state.stopping = true;
  state.gate.open();
  await Promise.all(workers);
  if (server.pid !== undefined && server.sample()) {
    checkpoints.push(await checkpoint(state, 'end'));
    // Once more after a clean restart: what the last checkpoint saw must survive it.
    state.chaosInProgress = true;
    await server.sigterm();
    state.stats.restarts += 1;
    await server.start();
    checkpoints.push(await checkpoint(state, 'final SIGTERM'));
    await server.sigterm();
  } else {
    state.anomaly('the server was not running at the end');
  }
  clearInterval(sampler);
  clearInterval(reporter);
  server.close();
  console.log(watch.line());
  console.log(summary(state, watch, checkpoints, opts.seed));
  const pass = state.anomalies.length === 0;
  if (pass && !opts.keep && !opts.workDir) rmSync(workDir, { recursive: true, force: true });
  else console.log(`\nwork directory kept: ${workDir}`);
  return pass ? 0 : 1;
}

process.once('SIGINT', () => {
  console.log('\ninterrupted: stopping the server');
  process.exit(130);
});

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
