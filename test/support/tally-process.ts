// `node bin/tally.js serve` as a child process on a port chosen up front, and the wait until it
// answers: shared by the tests that kill the server (child-server.ts) and the soak
// (scripts/soak/server-process.ts). It imports nothing of the app, so a driver stays light.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A port that was free a moment ago (the OS hands out a fresh one for port 0). */
export async function freePort(): Promise<number> {
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

/** The server on 127.0.0.1:`port`; `env` is laid over the parent's. stderr is always piped. */
export function spawnServe(
  port: number,
  env: Record<string, string>,
  stdout: 'ignore' | 'pipe',
): ChildProcess {
  return spawn(process.execPath, [join(REPO, 'bin/tally.js'), 'serve'], {
    cwd: REPO,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Polls `url` until it answers 2xx (the process prints nothing machine-readable). Throws when the
 * process exits first. The deadline only bounds a start that never finishes; it asserts nothing
 * about speed. `output` adds what the process wrote to the error messages.
 */
export async function untilAnswering(
  child: ChildProcess,
  url: string,
  options: { deadlineMs: number; requestTimeoutMs?: number; output?: () => string },
): Promise<void> {
  const output = () => (options.output ? `:\n${options.output()}` : '');
  const deadline = Date.now() + options.deadlineMs;
  for (;;) {
    if (hasExited(child)) {
      throw new Error(
        `tally exited with ${child.exitCode ?? child.signalCode} before ${url} answered${output()}`,
      );
    }
    const signal =
      options.requestTimeoutMs === undefined
        ? undefined
        : AbortSignal.timeout(options.requestTimeoutMs);
    const ok = await fetch(url, { signal }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`tally did not answer on ${url}${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
