// A flood of connections that send nothing must neither lock real clients out nor run the process
// out of file descriptors: the cap, the eviction of idle connections near it, and the header
// deadline. Loopback only, bounded (a few hundred sockets), every wait is on socket events.

import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { connectionLimits, defaultMaxConnections, openFileLimit } from '../../src/http-limits.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { type ChildServer, spawnTally } from '../support/child-server.js';
import { TEST_ADMIN_TOKEN } from '../support/test-server.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tally-flood-'));
  dirs.push(d);
  return d;
};
const toStop: Array<() => Promise<void>> = [];
const sockets: Socket[] = [];

afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const stop of toStop) await stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Silent {
  socket: Socket;
  /** Resolves with everything the server wrote once the connection is closed. */
  closed: Promise<string>;
}

/** A connection that sends nothing (or only `partial`, the start of a request that never ends). */
function silentConnection(port: number, onClose: () => void, partial?: string): Silent {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  socket.on('data', (b: Buffer) => {
    received += b.toString();
  });
  // A refused or reset connection is as closed as a reaped one.
  socket.on('error', () => {});
  if (partial !== undefined) socket.once('connect', () => socket.write(partial));
  const closed = new Promise<string>((resolve) =>
    socket.once('close', () => {
      onClose();
      resolve(received);
    }),
  );
  return { socket, closed };
}

/** Resolves once `count()` reaches `target`; `notify` is called by whoever changes the count. */
function counter() {
  let n = 0;
  const waiters: Array<{ target: number; resolve: () => void }> = [];
  return {
    inc: () => {
      n += 1;
      for (const w of waiters.filter((w) => n >= w.target)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    value: () => n,
    reach: (target: number) =>
      n >= target
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ target, resolve })),
  };
}

/** One request on a connection of its own (no pooled socket the server may have closed). */
function fresh(
  url: string,
  path: string,
  init: { method?: string; key?: string; body?: unknown } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = httpRequest(
      `${url}${path}`,
      {
        method: init.method ?? 'GET',
        agent: false,
        headers: {
          ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (b: Buffer) => {
          text += b.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Sockets only: the store may open files of its own (DuckDB's WAL on the first write) meanwhile,
// and those are not what the flood costs.
const openSockets = (pid: number) =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed between the listing and the read
    }
  }).length;

/**
 * Waits for `done`; the deadline only turns a server that never closes anything (no cap, no
 * eviction) into a readable failure instead of a test timeout, it asserts nothing about speed.
 */
async function closedBy(done: Promise<void>, explain: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(explain())), 40_000);
  });
  try {
    await Promise.race([done, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('connection limits: configuration', () => {
  it('reads the open-file limit and keeps half of it for the store, at most 4096 connections', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max open files            20000                20000                files',
    ].join('\n');
    expect(openFileLimit(limits)).toBe(20000);
    expect(openFileLimit('Max open files            unlimited            unlimited  files')).toBe(
      undefined,
    );
    expect(defaultMaxConnections(20000)).toBe(4096);
    expect(defaultMaxConnections(1024)).toBe(512);
    expect(defaultMaxConnections(undefined)).toBe(4096);
    const defaults = connectionLimits(loadConfig({}), 1024);
    expect(defaults).toMatchObject({
      maxConnections: 512,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 5_000,
    });
    expect(() =>
      loadConfig({ TALLY_HEADERS_TIMEOUT_MS: '5000', TALLY_REQUEST_TIMEOUT_MS: '1000' }),
    ).toThrow(/TALLY_HEADERS_TIMEOUT_MS: must not exceed TALLY_REQUEST_TIMEOUT_MS/);
  });

  it('applies every setting to the node server', async () => {
    const running = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        TALLY_DATA_DIR: tmp(),
        TALLY_LOG_LEVEL: 'silent',
        TALLY_MAX_CONNECTIONS: '77',
        TALLY_HEADERS_TIMEOUT_MS: '3000',
        TALLY_REQUEST_TIMEOUT_MS: '45000',
        TALLY_KEEP_ALIVE_TIMEOUT_MS: '2500',
      }),
    );
    toStop.push(running.stop);
    expect({
      maxConnections: running.server.maxConnections,
      headersTimeout: running.server.headersTimeout,
      requestTimeout: running.server.requestTimeout,
      keepAliveTimeout: running.server.keepAliveTimeout,
    }).toEqual({
      maxConnections: 77,
      headersTimeout: 3000,
      requestTimeout: 45000,
      keepAliveTimeout: 2500,
    });
    const metrics = await fresh(running.url, '/metrics');
    expect(metrics.body).toMatch(/^tally_http_connections_max 77$/m);
    expect(metrics.body).toMatch(/^tally_http_connections \d+$/m);
  });
});

describe('a flood of silent connections against the real server process', () => {
  const MAX = 50;
  const FLOOD = 4 * MAX;
  let server: ChildServer;

  it('keeps answering and keeps its descriptors bounded while the flood is held open', async () => {
    // Deadlines far beyond the test: only the cap and the eviction can close the flood here.
    server = await spawnTally(tmp(), {
      TALLY_MAX_CONNECTIONS: String(MAX),
      TALLY_HEADERS_TIMEOUT_MS: '600000',
      TALLY_REQUEST_TIMEOUT_MS: '600000',
    });
    toStop.push(server.stop);
    const pid = server.child.pid ?? 0;
    const port = Number(new URL(server.url).port);
    // The sockets before the flood; the flood may add at most the cap.
    const before = openSockets(pid);
    const closed = counter();
    const flood = Array.from({ length: FLOOD }, () => silentConnection(port, closed.inc));
    // The server keeps at most 90% of the cap open (evicting the oldest idle connection for each
    // new one above that), so at least FLOOD - 0.9 * MAX of the flood must be closed by it.
    const held = MAX - Math.floor(MAX / 10);
    await closedBy(
      closed.reach(FLOOD - held),
      () =>
        `the server closed ${closed.value()} of ${FLOOD} silent connections (expected at least ${FLOOD - held}); it holds ${openSockets(pid) - before} more sockets than before`,
    );
    const during = openSockets(pid);
    expect(during - before).toBeLessThanOrEqual(MAX);

    // Real requests, each on a new connection, while up to `held` silent ones are still open.
    expect((await fresh(server.url, '/healthz')).status).toBe(200);
    const account = await fresh(server.url, '/admin/v1/accounts', {
      method: 'POST',
      key: TEST_ADMIN_TOKEN,
      body: { name: 'flooded' },
    });
    expect(account.status, account.body).toBe(201);
    expect(server.child.exitCode).toBe(null);

    // A second wave: still bounded, still answering.
    const wave = Array.from({ length: FLOOD }, () => silentConnection(port, closed.inc));
    await closedBy(
      closed.reach(2 * FLOOD - held),
      () => `the server closed ${closed.value()} of ${2 * FLOOD} silent connections`,
    );
    expect(openSockets(pid) - before).toBeLessThanOrEqual(MAX);
    expect((await fresh(server.url, '/readyz')).status).toBe(200);
    for (const s of [...flood, ...wave]) s.socket.destroy();
  });
});

describe('the header deadline', () => {
  let running: RunningServer;

  it('closes connections that send nothing, or only part of a request, with 408', async () => {
    running = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        TALLY_DATA_DIR: tmp(),
        TALLY_LOG_LEVEL: 'silent',
        TALLY_HEADERS_TIMEOUT_MS: '1000',
      }),
    );
    toStop.push(running.stop);
    const closed = counter();
    const silent = Array.from({ length: 10 }, () => silentConnection(running.port, closed.inc));
    const slow = silentConnection(running.port, closed.inc, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // Waits on the close events: the server reaps them (node's own default is 60 s, checked
    // every 30 s, which this test would not outlive).
    const received = await Promise.all([...silent, slow].map((s) => s.closed));
    for (const text of received) expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(closed.value()).toBe(11);
    expect((await fresh(running.url, '/healthz')).status).toBe(200);
  });
});
