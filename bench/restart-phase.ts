// Restarts on the full data: after a graceful stop, and after a kill -9 right after a burst of
// acknowledged batches (so the embedded store recovers an unfolded ingest-log tail). Each start is
// timed from the spawn to the first /readyz 200.
import type { BenchOptions } from './args.js';
import { type Dataset, headOf } from './dataset.js';
import { HttpClient } from './http-client.js';
import { log, phase } from './progress.js';
import { fmtBytes, fmtMs } from './report.js';
import { type ServerProcess, startServerProcess } from './server-process.js';
import { ingestOverHttp, serverMetrics } from './tally-side.js';

export interface StartSample {
  /** Spawn to /readyz 200; infinite when it never came (ready false, see error). */
  readyMs: number;
  ready: boolean;
  /** Why it never became ready (timeout, or the process exited). */
  error?: string;
  listenMs: number;
  /** RSS right after ready, and the peak of the start (VmHWM of the new process). */
  rss: number;
  peak: number;
  stored: number;
}

export interface RestartResult {
  graceful: StartSample;
  crash?: StartSample & { acked: number; storedBefore: number };
  /** The last graceful stop's duration. */
  stopMs: number;
}

/** Long enough to see how far a slow start misses the 10 s target, short of hanging the run. */
const READY_TIMEOUT_MS = 600_000;
/** Events acknowledged just before the kill -9: more than the embedded store leaves unfolded. */
const CRASH_EVENTS = 40_000;

async function start(
  env: Record<string, string>,
  key: string,
): Promise<{ server?: ServerProcess; sample: StartSample }> {
  try {
    const server = await startServerProcess(env, READY_TIMEOUT_MS);
    const mem = server.memory();
    const http = new HttpClient(server.url, key, 1);
    const stored = (await serverMetrics(http)).get('tally_store_events') ?? Number.NaN;
    http.close();
    const sample = {
      readyMs: server.readyMs,
      ready: true,
      listenMs: server.listenMs,
      rss: mem.rss,
      peak: mem.peak,
      stored,
    };
    log(
      `ready in ${fmtMs(server.readyMs)} (listening after ${fmtMs(server.listenMs)}), RSS ${fmtBytes(mem.rss)} (start peak ${fmtBytes(mem.peak)}), ${stored.toLocaleString('en-US')} events stored`,
    );
    return { server, sample };
  } catch (err) {
    // A start that fails is a result to report, not a reason to lose the run's other figures.
    log(`the server did not become ready: ${(err as Error).message}`);
    const nan = Number.NaN;
    return {
      sample: {
        readyMs: Number.POSITIVE_INFINITY,
        ready: false,
        error: (err as Error).message,
        listenMs: nan,
        rss: nan,
        peak: nan,
        stored: nan,
      },
    };
  }
}

export async function runRestarts(
  opts: BenchOptions,
  env: Record<string, string>,
  key: string,
  spare: Dataset,
  tag: string,
): Promise<RestartResult> {
  const first = await start(env, key);
  if (!first.server) return { graceful: first.sample, stopMs: Number.NaN };

  phase('kill -9 burst');
  const http = new HttpClient(first.server.url, key, opts.connections + 1);
  const burst = headOf(spare, CRASH_EVENTS);
  await ingestOverHttp(http, burst, `${tag}k`, {
    batch: opts.batch,
    connections: opts.connections,
    segmentEvents: burst.n,
    stops: [],
    onSegment: () => {},
  });
  http.close();
  await first.server.kill();
  phase('restart after kill -9');
  const second = await start(env, key);
  const crash = { ...second.sample, acked: burst.n, storedBefore: first.sample.stored };
  if (!second.server) return { graceful: first.sample, crash, stopMs: Number.NaN };
  const stopMs = await second.server.stop();
  return { graceful: first.sample, crash, stopMs };
}
