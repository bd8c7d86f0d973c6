// Starts a real Tally server with demo data on a free port, in a temporary data directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningTally {
  url: string;
  secretKey: string;
  adminToken: string;
  /** The publishable key the demo printed at start ('' when pointed at a running server). */
  printedPublishableKey: string;
  stop(): Promise<void>;
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

async function waitUntilUp(
  url: string,
  key: string,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tally exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` } });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`tally did not answer within 300 s:\n${log()}`);
}

/** TALLY_E2E_URL (+ TALLY_E2E_SECRET_KEY, TALLY_E2E_ADMIN_TOKEN) points the tests at a running server instead. */
export async function startTally(): Promise<RunningTally> {
  if (process.env.TALLY_E2E_URL) {
    return {
      url: process.env.TALLY_E2E_URL,
      secretKey: process.env.TALLY_E2E_SECRET_KEY ?? '',
      adminToken: process.env.TALLY_E2E_ADMIN_TOKEN ?? '',
      printedPublishableKey: process.env.TALLY_E2E_PUBLISHABLE_KEY ?? '',
      stop: async () => undefined,
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-e2e-'));
  const port = await freePort();
  const secretKey = 'sk_e2e_dashboard_secret_key_0123456789';
  const adminToken = 'admin-e2e-token-0123456789';
  let output = '';
  let printed = '';
  const child = spawn(process.execPath, ['bin/tally.js', 'serve', '--demo'], {
    cwd: repo,
    env: {
      ...process.env,
      TALLY_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      TALLY_ADMIN_TOKEN: adminToken,
      TALLY_DEMO_SECRET_KEY: secretKey,
      TALLY_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b: Buffer): void => {
    output = (output + b.toString()).slice(-8000);
    printed ||= /publishable key:\s+(pk_\S+)\s/.exec(output)?.[1] ?? '';
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, secretKey, child, () => output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    secretKey,
    adminToken,
    printedPublishableKey: printed,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
