// Runs `tally serve` as a child process, so its RSS is the server's alone (read from /proc).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { sleep } from './stats.js';

export interface ServerProcess {
  url: string;
  pid: number;
  /** From the spawn to the first HTTP answer (listening), and to the first /readyz 200, in ms. */
  listenMs: number;
  readyMs: number;
  /** VmRSS and VmHWM (peak) in bytes. */
  memory(): { rss: number; peak: number };
  /** CPU time (user + system, all threads) used so far, in ms. */
  cpuMs(): number;
  /** CPU time of the main thread alone (the event loop: JS, GC on it, synchronous native calls). */
  mainThreadCpuMs(): number;
  /** SIGTERM (graceful: in-flight requests finish, the store closes); resolves with the ms it took. */
  stop(): Promise<number>;
  /** SIGKILL: no shutdown at all, as in a crash or an OOM kill. */
  kill(): Promise<void>;
}

/** The server did not answer /readyz 200 in time (it was killed). */
class NotReadyError extends Error {
  constructor(readonly waitedMs: number) {
    super(`tally serve was not ready after ${Math.round(waitedMs / 1000)} s`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function procMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

function statCpuMs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * utime + stime of a process from /proc/<pid>/stat, in ms (clock ticks are 10 ms on Linux); it
 * includes threads that have exited.
 */
export function procCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** The same for the process's main thread alone (its thread id is the pid). */
export function mainThreadCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

/** CPU time all processes on the machine used so far (every core; idle and iowait excluded), in ms. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return (total - (f[3] ?? 0) - (f[4] ?? 0)) * 10;
}

/** The `some` CPU pressure over the last 60 s (share of time runnable tasks waited for a core). */
export function cpuPressure(): string {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0] ?? '';
    return `${/avg60=([\d.]+)/.exec(line)?.[1] ?? '?'}%`;
  } catch {
    return 'n/a';
  }
}

/** The pid of the process listening on a local TCP port (e.g. the ClickHouse server), if visible. */
export function pidListeningOn(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const pid = /pid=(\d+)/.exec(out)?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  }
}

/** Servers still running: a run that fails half-way must not leave them behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * Spawns `tally serve` and waits until /readyz answers 200 (the store is open: after a restart
 * that includes recovering the ingest log). Polls every 25 ms so the ready time is exact enough
 * to hold against a 10 s target.
 */
export async function startServerProcess(
  env: Record<string, string>,
  readyTimeoutMs = 120_000,
): Promise<ServerProcess> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=.tmp/prof") profiles the server alone.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const spawned = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'bin/tally.js', 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const pid = child.pid ?? 0;
  live.add(child);
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      live.delete(child);
      r();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let listenMs = Number.NaN;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tally serve exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (Number.isNaN(listenMs)) listenMs = performance.now() - spawned;
      if (r.ok) break;
    } catch {
      // Not listening yet.
    }
    const waited = performance.now() - spawned;
    if (waited > readyTimeoutMs) {
      child.kill('SIGKILL');
      await exited;
      throw new NotReadyError(waited);
    }
    await sleep(25);
  }
  const readyMs = performance.now() - spawned;
  return {
    url,
    pid,
    listenMs,
    readyMs,
    memory: () => procMemory(pid),
    cpuMs: () => procCpuMs(pid),
    mainThreadCpuMs: () => mainThreadCpuMs(pid),
    stop: async () => {
      const t = performance.now();
      child.kill('SIGTERM');
      await exited;
      return performance.now() - t;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
