// An acknowledged event is durable: kill -9 the real server process right after the last 204,
// restart it on the same data directory, and every acknowledged event is there, exactly once,
// also after the batches are sent again.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, spawnTally } from '../support/child-server.js';
import { TEST_ADMIN_TOKEN, type TestEvent, testEvent } from '../support/test-server.js';

const BATCHES = 5;
const PER_BATCH = 100;
const T0 = Date.parse('2024-05-01T00:00:00Z');
const RANGE = 'from=2024-05-01T00:00:00Z&to=2024-06-01T00:00:00Z';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-crash-'));
let running: ChildServer | undefined;

afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(
  base: string,
  path: string,
  key: string,
  method = 'GET',
  body?: unknown,
  contentType = 'application/json',
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': contentType } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

const batches: TestEvent[][] = Array.from({ length: BATCHES }, (_, b) =>
  Array.from({ length: PER_BATCH }, (_, i) =>
    testEvent(
      'crash',
      `subject-${i % 4}`,
      T0 + (b * PER_BATCH + i) * 60_000,
      { n: b * PER_BATCH + i + 1 },
      `crash-b${b}-${String(i).padStart(3, '0')}`,
    ),
  ),
);
const all = batches.flat();
const expectedSum = all.reduce((s, e) => s + Number(e.data.n), 0);
const expectedBySubject: Record<string, number> = {};
for (const e of all) expectedBySubject[e.subject] = (expectedBySubject[e.subject] ?? 0) + 1;

async function totals(base: string, key: string) {
  const sum = await call(base, `/api/v1/meters/crash_sum/query?${RANGE}`, key);
  expect(sum.status).toBe(200);
  const count = await call(base, `/api/v1/meters/crash_count/query?${RANGE}&groupBy=subject`, key);
  expect(count.status).toBe(200);
  const sumBody = (await sum.json()) as { data: { value: number }[] };
  const countBody = (await count.json()) as { data: { value: number; subject: string }[] };
  return {
    sum: sumBody.data.reduce((s, r) => s + r.value, 0),
    bySubject: Object.fromEntries(countBody.data.map((r) => [r.subject, r.value])),
  };
}

describe('kill -9 after acknowledged batches', () => {
  let key = '';

  it('acknowledges every batch, then dies without a chance to flush', async () => {
    running = await spawnTally(dataDir);
    const base = running.url;
    const account = await call(base, '/admin/v1/accounts', TEST_ADMIN_TOKEN, 'POST', {
      name: 'crash',
    });
    expect(account.status).toBe(201);
    const { id } = (await account.json()) as { id: string };
    const created = await call(base, `/admin/v1/accounts/${id}/keys`, TEST_ADMIN_TOKEN, 'POST', {
      kind: 'secret',
    });
    expect(created.status).toBe(201);
    key = ((await created.json()) as { key: string }).key;
    for (const meter of [
      { slug: 'crash_sum', eventType: 'crash', aggregation: 'SUM', valueProperty: '$.n' },
      { slug: 'crash_count', eventType: 'crash', aggregation: 'COUNT' },
    ]) {
      expect((await call(base, '/api/v1/meters', key, 'POST', meter)).status).toBe(201);
    }
    for (const [b, batch] of batches.entries()) {
      // Alternate the content types, so each ingest path is covered by the durability claim.
      const type = b % 2 === 0 ? 'application/cloudevents-batch+json' : 'application/json';
      const res = await call(base, '/api/v1/events', key, 'POST', batch, type);
      expect(res.status, await res.text()).toBe(204);
    }
    await running.kill9();
    expect(running.child.signalCode).toBe('SIGKILL');
    running = undefined;
  });

  it('after a restart on the same data directory, every acknowledged event is there', async () => {
    expect(key).not.toBe('');
    running = await spawnTally(dataDir);
    const base = running.url;
    // Keys and meters survived too: the same key works.
    const t = await totals(base, key);
    expect(t.sum).toBe(expectedSum);
    expect(t.bySubject).toEqual(expectedBySubject);
    for (const [b, batch] of batches.entries()) {
      const res = await call(base, `/api/v1/events?${RANGE}&id=crash-b${b}-&limit=100`, key);
      expect(res.status).toBe(200);
      const listed = (await res.json()) as { event: { id: string; data: unknown } }[];
      expect(listed.map((e) => e.event.id).sort()).toEqual(batch.map((e) => e.id).sort());
      const byId = new Map(listed.map((e) => [e.event.id, e.event.data]));
      for (const e of batch) expect(byId.get(e.id)).toEqual(e.data);
    }
  });

  it('re-sending every batch after the restart counts nothing twice', async () => {
    const base = running?.url ?? '';
    for (const batch of batches) {
      const res = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          prefer: 'return=representation',
        },
        body: JSON.stringify(batch),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 0, duplicates: PER_BATCH, rejected: [] });
    }
    const t = await totals(base, key);
    expect(t.sum).toBe(expectedSum);
    expect(t.bySubject).toEqual(expectedBySubject);
  });
});
