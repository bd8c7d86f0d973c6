// A ZooKeeper of its own for the coordination tests (port and directory no other suite uses), and
// a TCP proxy in front of it: cutting the proxy disconnects a client deterministically, which is
// how the tests hold a session's client away while they expire the session.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { alive } from './fault-cluster.js';

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(REPO, '.tmp', 'zk-coord');
/** Far from the shared ZooKeeper (12181) and the fault cluster's (22181). */
const PORT = 23181;

/** True when the tests should be skipped: outside CI, without Java or Debian's zookeeper. */
export function skipZooKeeper(): boolean {
  if (process.env.CI === 'true' || process.env.CI === '1') return false;
  let java = true;
  try {
    execFileSync('bash', ['-c', 'command -v java'], { stdio: 'ignore' });
  } catch {
    java = false;
  }
  const ready = java && existsSync('/usr/share/java/zookeeper.jar');
  if (!ready) console.warn('coordination tests skipped: no java or zookeeper here');
  return !ready;
}

/** Starts (or reuses) the server; returns its connect string. */
export async function startZooKeeper(): Promise<string> {
  await run('bash', [join(REPO, 'scripts/clickhouse/zookeeper.sh')], {
    env: { ...process.env, TALLY_CH_DIR: DIR, TALLY_ZK_PORT: String(PORT) },
    timeout: 180_000,
  });
  return `127.0.0.1:${PORT}`;
}

/** Kills the server zookeeper.sh recorded, if that pid is still a java process of our directory. */
export async function stopZooKeeper(): Promise<void> {
  const pidFile = join(DIR, 'zookeeper', 'pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // already gone
  }
  if (!cmdline.includes('java') || !cmdline.includes(DIR)) return; // the pid was reused
  process.kill(pid, 'SIGKILL');
  // Not a child of ours: polling is the only way to see it go.
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Forwards 127.0.0.1:<own port> to ZooKeeper until cut(); while cut, connections are dropped. */
export class ZkProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cut = false;

  constructor(private readonly target: string) {
    this.#server = createServer((client) => {
      if (this.#cut) {
        client.destroy();
        return;
      }
      const [host, port] = this.target.split(':');
      const upstream = tcpConnect(Number(port), host ?? '127.0.0.1');
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.#sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.#sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  /** Returns the connect string clients should use. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    return `127.0.0.1:${address.port}`;
  }

  /** Drops every connection and refuses new ones until restore(). */
  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
