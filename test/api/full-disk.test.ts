// A real full disk under the data directory (a small tmpfs mounted by the test): ingest answers
// 503 with Retry-After and leaves no partial bytes in the log, /readyz is 503 naming the cause,
// and once space is freed ingest works again and nothing acknowledged is lost across a kill -9.
// Mounting needs root: the test fails (never skips) where it cannot mount, except on a developer
// machine without root outside CI.

import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnTally } from '../support/child-server.js';
import { TEST_ADMIN_TOKEN, type TestEvent, testEvent } from '../support/test-server.js';

const mountDir = mkdtempSync(join(tmpdir(), 'tally-full-disk-'));
const dataDir = join(mountDir, 'data');
const filler = join(mountDir, 'filler');
const isRoot = process.getuid?.() === 0;
const mustRun = isRoot || process.env.CI !== undefined;
let running: ChildServer | undefined;
let mounted = false;

beforeAll(() => {
  if (!mustRun) return;
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mountDir]);
  mounted = true;
  mkdirSync(dataDir);
});

afterAll(async () => {
  await running?.kill9();
  if (mounted) execFileSync('umount', [mountDir]);
  rmSync(mountDir, { recursive: true, force: true });
});

/** Writes until the file system refuses even one more byte. */
function fillDisk(): void {
  const fd = openSync(filler, 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

function logSizes(): Record<string, number> {
  const dir = join(dataDir, 'ingest-log');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => [f, statSync(join(dir, f)).size]),
  );
}

const T0 = Date.parse('2024-05-01T00:00:00Z');
const RANGE = 'from=2024-05-01T00:00:00Z&to=2024-06-01T00:00:00Z';
// Each batch is far larger than the slack a full tmpfs leaves in a file's last page.
const batches: TestEvent[][] = Array.from({ length: 3 }, (_, b) =>
  Array.from({ length: 100 }, (_, i) =>
    testEvent(
      'disk',
      `subject-${i % 3}`,
      T0 + (b * 100 + i) * 60_000,
      {
        n: b * 100 + i + 1,
        pad: 'x'.repeat(300),
      },
      `disk-b${b}-${i}`,
    ),
  ),
);

async function call(base: string, path: string, key: string, method = 'GET', body?: unknown) {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function total(base: string, key: string): Promise<number> {
  const res = await call(base, `/api/v1/meters/disk_sum/query?${RANGE}`, key);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { value: number }[] };
  return body.data.reduce((s, r) => s + r.value, 0);
}

const sumOf = (bs: TestEvent[][]) => bs.flat().reduce((s, e) => s + Number(e.data.n), 0);

describe.skipIf(!mustRun)('a full disk under the data directory', () => {
  it('answers ingest with 503 + Retry-After, is not ready, and loses nothing once space is back', async () => {
    running = await spawnTally(dataDir);
    const base = running.url;
    const account = await call(base, '/admin/v1/accounts', TEST_ADMIN_TOKEN, 'POST', {
      name: 'disk',
    });
    const { id } = (await account.json()) as { id: string };
    const created = await call(base, `/admin/v1/accounts/${id}/keys`, TEST_ADMIN_TOKEN, 'POST', {
      kind: 'secret',
    });
    const { key } = (await created.json()) as { key: string };
    for (const meter of [
      { slug: 'disk_sum', eventType: 'disk', aggregation: 'SUM', valueProperty: '$.n' },
      { slug: 'disk_count', eventType: 'disk', aggregation: 'COUNT' },
    ]) {
      expect((await call(base, '/api/v1/meters', key, 'POST', meter)).status).toBe(201);
    }
    expect((await call(base, '/api/v1/events', key, 'POST', batches[0])).status).toBe(204);
    // Folded into DuckDB before the disk fills: the read waits for it.
    expect(await total(base, key)).toBe(sumOf(batches.slice(0, 1)));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    fillDisk();
    const before = logSizes();
    const refused = await call(base, '/api/v1/events', key, 'POST', batches[1]);
    expect(refused.status, await refused.clone().text()).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(
      /ingest log cannot write.*ENOSPC/,
    );
    // The failed append's partial bytes were cut: the log is as it was.
    expect(logSizes()).toEqual(before);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { error: string }).error).toMatch(
      /ingest log cannot write.*ENOSPC/,
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/tally_ingest_log_append_failures_total\{code="ENOSPC"\} [1-9]/);
    expect(metrics).toMatch(/tally_ingest_log_write_blocked 1/);

    unlinkSync(filler);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await call(base, '/api/v1/events', key, 'POST', batches[1])).status).toBe(204);
    expect((await call(base, '/api/v1/events', key, 'POST', batches[2])).status).toBe(204);

    await running.kill9();
    running = await spawnTally(dataDir);
    expect(await total(running.url, key)).toBe(sumOf(batches));
    const counted = await call(running.url, `/api/v1/meters/disk_count/query?${RANGE}`, key);
    const rows = ((await counted.json()) as { data: { value: number }[] }).data;
    expect(rows.reduce((s, r) => s + r.value, 0)).toBe(300);
  });
});
