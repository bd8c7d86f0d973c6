// Several `node bin/tally.js serve` processes on the fault cluster (fault-cluster.ts), in coordinated
// writers mode, for the multi-process fault tests (faults-multi.test.ts): started, killed, paused
// and resumed with real signals. Each process keeps its port across restarts (its advertised URL is
// how the others forward to it), and writes its output to a file of its own under .tmp/, one per
// incarnation, so that a failed run leaves the logs behind and the test can print their tails.
// Also a read of who holds which slot, straight from ZooKeeper with a client of its own (not
// the code under test).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'node-zookeeper-client';
import { freePort, hasExited } from '../support/tally-process.js';
import { TEST_ADMIN_TOKEN } from '../support/test-server.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface TallyClusterOptions {
  /** One per process: the replica each process talks to. */
  clickhouseUrls: string[];
  database: string;
  cluster: string;
  zookeeper: string;
  sessionTimeoutMs: number;
  /** Directory of the log files (created). */
  logDir: string;
}

function exited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** One Tally process of the cluster, across its incarnations. */
export class TallyProcess {
  child: ChildProcess | undefined;
  incarnation = 0;
  /** SIGSTOPped and not yet continued. */
  paused = false;
  readonly logs: string[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && !hasExited(this.child);
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /**
   * Starts a new incarnation and waits until it answers /healthz (it has joined the slots). The
   * deadline is generous: beside a 100 M-event benchmark, a first start (migrations ON CLUSTER,
   * quorum inserts on starved replicas) took more than 120 s.
   */
  async start(deadlineMs = 300_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.incarnation += 1;
    const log = join(this.logDir, `${this.name}-${this.incarnation}.log`);
    this.logs.push(log);
    const fd = openSync(log, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [join(REPO, 'bin/tally.js'), 'serve'], {
        cwd: REPO,
        env: { ...process.env, ...this.env },
        // The file, not a pipe: the output survives the test process and needs no reader.
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.paused = false;
    const end = Date.now() + deadlineMs;
    for (;;) {
      if (hasExited(child)) {
        throw new Error(
          `${this.name} exited with ${child.exitCode ?? child.signalCode} before answering:\n${this.tail()}`,
        );
      }
      const ok = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`${this.name} did not answer within ${deadlineMs} ms:\n${this.tail()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    child.kill('SIGKILL');
    await exited(child);
    this.paused = false;
  }

  pause(): void {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.child?.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.child?.kill('SIGCONT');
    this.paused = false;
  }

  /** SIGTERM (after SIGCONT if paused), SIGKILL if it has not gone after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    if (this.paused) child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited(child);
    clearTimeout(timer);
    this.paused = false;
  }

  /**
   * The last `lines` lines of each incarnation's log, newest incarnation last, without the access
   * log lines of requests answered below 500 (at info level they would crowd out everything else).
   */
  tail(lines = 40): string {
    return this.logs
      .map((path) => {
        let text = '';
        try {
          const size = statSync(path).size;
          text = readFileSync(path, 'utf8').slice(Math.max(0, size - 200_000));
        } catch (err) {
          text = `(unreadable: ${String(err)})`;
        }
        const all = text
          .trimEnd()
          .split('\n')
          .filter((line) => !/"msg":"request"/.test(line) || /"status":5\d\d/.test(line));
        return `--- ${path} (last ${Math.min(lines, all.length)} of ${all.length} lines kept)\n${all.slice(-lines).join('\n')}`;
      })
      .join('\n');
  }
}

export class TallyCluster {
  private constructor(readonly processes: TallyProcess[]) {}

  /** Starts one process per ClickHouse URL, in parallel, each on a port of its own. */
  static async start(o: TallyClusterOptions, logLevel: string): Promise<TallyCluster> {
    mkdirSync(o.logDir, { recursive: true });
    const processes: TallyProcess[] = [];
    for (const [i, chUrl] of o.clickhouseUrls.entries()) {
      const port = await freePort();
      const dataDir = join(o.logDir, `t${i}-data`);
      mkdirSync(dataDir, { recursive: true });
      processes.push(
        new TallyProcess(
          `t${i}`,
          port,
          {
            HOST: '127.0.0.1',
            PORT: String(port),
            TALLY_DATA_DIR: dataDir,
            TALLY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
            TALLY_LOG_LEVEL: logLevel,
            TALLY_STORE: 'clickhouse',
            TALLY_CLICKHOUSE_URL: chUrl,
            TALLY_CLICKHOUSE_DATABASE: o.database,
            TALLY_CLICKHOUSE_CLUSTER: o.cluster,
            TALLY_CLICKHOUSE_REPLICATED: '1',
            TALLY_CLICKHOUSE_WRITERS: 'coordinated',
            TALLY_ZOOKEEPER: o.zookeeper,
            TALLY_ZOOKEEPER_SESSION_TIMEOUT_MS: String(o.sessionTimeoutMs),
            TALLY_ADVERTISE_URL: `http://127.0.0.1:${port}`,
          },
          o.logDir,
        ),
      );
    }
    const cluster = new TallyCluster(processes);
    // The first one alone: it runs the migrations, which the others then find done.
    const [first, ...rest] = processes;
    try {
      await first?.start();
      await Promise.all(rest.map((p) => p.start()));
    } catch (err) {
      await cluster.stopAll();
      throw err;
    }
    return cluster;
  }

  /** Processes that are running and not paused: where a client may send. */
  live(): TallyProcess[] {
    return this.processes.filter((p) => p.running && !p.paused);
  }

  byUrl(url: string): TallyProcess | undefined {
    return this.processes.find((p) => p.url === url);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }

  /** Every process's log tail, for a failure message. */
  tails(lines = 40): string {
    return this.processes.map((p) => p.tail(lines)).join('\n');
  }
}

/** A slot's holder as its ZooKeeper node says (slot-paths.ts documents the layout). */
export interface SlotHolderView {
  memberId: string;
  url: string;
  /** czxid of the slot node. */
  epoch: bigint;
}

/**
 * One read of /tally/<database>/slots through a fresh ZooKeeper connection (closed again): a
 * connection of the test's own survives nothing the test does to ZooKeeper, a fresh one needs no
 * care. Answers undefined when ZooKeeper cannot be read within `timeoutMs`.
 */
export async function readSlots(
  zookeeper: string,
  database: string,
  timeoutMs = 5_000,
): Promise<Map<number, SlotHolderView> | undefined> {
  const client = createClient(zookeeper, { sessionTimeout: 10_000, retries: 0, spinDelay: 200 });
  const call = <T>(f: (cb: (err: unknown, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value))));
  let timeout: NodeJS.Timeout | undefined;
  const timer = new Promise<undefined>((resolve) => {
    timeout = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const read = (async () => {
    await new Promise<void>((resolve) => {
      client.once('connected', () => resolve());
      client.connect();
    });
    const root = `/tally/${database}/slots`;
    const names = await call<string[]>((cb) => client.getChildren(root, (e, c) => cb(e, c)));
    const out = new Map<number, SlotHolderView>();
    for (const name of names) {
      try {
        const [data, czxid] = await call<[Buffer, Buffer]>((cb) =>
          client.getData(`${root}/${name}`, (e, d, s) => cb(e, [d, s?.czxid])),
        );
        const parsed = JSON.parse(data.toString('utf8')) as { memberId: string; url: string };
        out.set(Number(name), {
          memberId: parsed.memberId,
          url: parsed.url,
          epoch: czxid.readBigUInt64BE(0),
        });
      } catch {
        // Deleted between the listing and the read: that slot is moving, i.e. free now.
      }
    }
    return out;
  })().catch(() => undefined);
  try {
    return await Promise.race([read, timer]);
  } finally {
    clearTimeout(timeout);
    client.close();
  }
}
