// The real server as a child process (`node bin/tally.js serve`) on one port and one data
// directory for the whole soak, started again after each SIGTERM or kill -9.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { procCpuMs, procMemory } from '../../bench/server-process.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

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

  /** Spawns the process; `healthy` waits until /healthz answers (startup replays the ingest log). */
  spawn(): void {
    const child = spawn(process.execPath, [join(REPO, 'bin/tally.js'), 'serve'], {
      cwd: REPO,
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    // The deadline only bounds a start that never finishes.
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`tally exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      }
      const ok = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        this.ready = true;
        return;
      }
      if (Date.now() > deadline) throw new Error(`tally did not become ready on ${this.url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
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
    if (
      !this.ready ||
      pid === undefined ||
      this.child?.exitCode !== null ||
      this.child?.signalCode !== null
    )
      return undefined;
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
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
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
