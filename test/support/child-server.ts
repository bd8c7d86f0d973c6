// The real server as a child process (`node bin/tally.js serve`), for tests that kill it: crash
// durability, restarts. The process prints nothing machine-readable, so readiness is polled on
// /healthz and the port is chosen up front.

import type { ChildProcess } from 'node:child_process';
import { freePort, hasExited, spawnServe, untilAnswering } from './tally-process.js';
import { TEST_ADMIN_TOKEN } from './test-server.js';

export { freePort };

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
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function spawnTally(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let stderr = '';
  const child = spawnServe(
    port,
    {
      TALLY_DATA_DIR: dataDir,
      TALLY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      TALLY_LOG_LEVEL: 'warn',
      ...env,
    },
    'ignore',
  );
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  try {
    await untilAnswering(child, `${url}/healthz`, { deadlineMs: 90_000, output: () => stderr });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
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
