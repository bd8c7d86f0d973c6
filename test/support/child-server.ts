// The real server as a child process (`node bin/tally.js serve`), for tests that kill it: crash
// durability, restarts. The process prints nothing machine-readable, so readiness is polled on
// /healthz and the port is chosen up front.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN_TOKEN } from './test-server.js';

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

export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr, for failure messages. */
  stderr: () => string;
  /** SIGKILL: no shutdown hook runs, nothing is flushed. Resolves when the process is gone. */
  kill9: () => Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop: () => Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function spawnTally(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let stderr = '';
  const child = spawn(process.execPath, [join(REPO, 'bin/tally.js'), 'serve'], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TALLY_DATA_DIR: dataDir,
      TALLY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      TALLY_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  // Poll until healthy; the deadline only bounds a broken start, it asserts nothing about speed.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`tally exited with ${child.exitCode} before it was healthy:\n${stderr}`);
    }
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tally did not become healthy on ${url}:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stderr: () => stderr,
    kill9: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
