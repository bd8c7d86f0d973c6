// The real server as a child process (`node bin/tally.js serve`) on one port and one data
// directory for the whole soak, started again after each SIGTERM or kill -9.

import type { ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, type WriteStream } from 'node:fs';
import { procCpuMs, procMemory } from '../../bench/server-process.js';
import {
  freePort,
  hasExited,
  spawnServe,
  untilAnswering,
} from '../../test/support/tally-process.js';

export { freePort };

export interface ProcessSample {
  pid: number;
  rss: number;
  peak: number;
  cpuMs: number;
  fds: number;
  uptimeMs: number;
}

export class SoakServer {
  readonly url: string;
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private readonly log: WriteStream;
  private expectingExit = false;
  /** Between a successful readiness check and the next signal: samples are taken only then. */
  private ready = false;
  /** Called when the process exits without being told to (a crash, the OOM killer). */
  onUnexpectedExit: (how: string) => void = () => {};

  constructor(
    private readonly port: number,
    private readonly env: Record<string, string>,
    logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process; `healthy` waits until /readyz answers (startup replays the ingest log). */
  spawn(): void {
    const child = spawnServe(this.port, this.env, 'pipe');
    this.log.write(`--- ${new Date().toISOString()} spawn pid ${child.pid}\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    // Whatever ends the soak (a failure, Ctrl-C), the server must not outlive it.
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    child.once('exit', () => process.removeListener('exit', orphanGuard));
    this.expectingExit = false;
    this.ready = false;
    this.startedAt = Date.now();
    child.once('exit', (code, signal) => {
      if (!this.expectingExit) this.onUnexpectedExit(`pid ${child.pid} exited: ${code ?? signal}`);
    });
  }

  async healthy(): Promise<void> {
    const child = this.child;
    if (!child) throw new Error('no server process');
    await untilAnswering(child, `${this.url}/readyz`, {
      deadlineMs: 180_000,
      requestTimeoutMs: 5_000,
    });
    this.ready = true;
  }

  async start(): Promise<void> {
    this.spawn();
    await this.healthy();
  }

  /** SIGKILL: nothing is flushed, no shutdown hook runs. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: in-flight requests finish, then the store closes. Resolves with the exit code. */
  async sigterm(): Promise<number | null> {
    const child = this.child;
    await this.signal('SIGTERM');
    return child?.exitCode ?? null;
  }

  sample(): ProcessSample | undefined {
    const pid = this.child?.pid;
    if (!this.ready || pid === undefined || !this.child || hasExited(this.child)) return undefined;
    try {
      const m = procMemory(pid);
      return {
        pid,
        rss: m.rss,
        peak: m.peak,
        cpuMs: procCpuMs(pid),
        fds: readdirSync(`/proc/${pid}/fd`).length,
        uptimeMs: Date.now() - this.startedAt,
      };
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.log.end();
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.expectingExit = true;
    this.ready = false;
    child.kill(signal);
    await exited;
    this.log.write(
      `--- ${new Date().toISOString()} pid ${child.pid} ${signal}: exit ${child.exitCode ?? child.signalCode}\n`,
    );
  }
}
