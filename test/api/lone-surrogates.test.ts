// Lone surrogates through a restart of the embedded store. The store keeps text as UTF-8, where a
// lone surrogate becomes U+FFFD: an id "a\uD800" would be another id after a restart and count
// twice. So the identity fields must be well-formed, and are refused otherwise; lone surrogates
// inside data are kept as JSON escapes and read back as sent; a dimension taken from such a
// string is the same text before and after the restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestServer,
  testEvent,
} from '../support/test-server.js';

const T0 = '2024-07-01T10:00:00.000Z';
const RANGE = 'from=2024-07-01T00:00:00Z&to=2024-07-02T00:00:00Z';
const dataDir = mkdtempSync(join(tmpdir(), 'tally-surrogates-'));

let server: TestServer | undefined;
let account: TestAccount | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const good = testEvent('ls', 'subject-1', T0, { n: 5, tag: 'x\uD800', 'k\uDC00': 'v\uDBFF' }, 'ok');
const batch = [
  testEvent('ls', 'subject-1', T0, { n: 100 }, 'a\uD800'),
  { ...testEvent('ls', 'subject-1', T0, { n: 100 }, 'b'), source: 'src\uDFFF' },
  testEvent('ls', 'subject-\uD83D', T0, { n: 100 }, 'c'),
  { ...testEvent('ls', 'subject-1', T0, { n: 100 }, 'd'), type: 'ls\uDC00' },
  good,
];

interface Rejected {
  index: number;
  reason: string;
}

async function send(s: TestServer, key: string) {
  const res = await s.request('/api/v1/events', jsonInit(key, 'POST', batch));
  expect(res.status).toBe(400);
  const body = (await res.json()) as {
    extensions: { accepted: number; duplicates: number; rejected: Rejected[] };
  };
  expect(body.extensions.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3]);
  for (const [i, field] of ['id', 'source', 'subject', 'type'].entries()) {
    expect(body.extensions.rejected[i]?.reason).toMatch(
      new RegExp(`^${field}: must be well-formed Unicode .*lone surrogate`),
    );
  }
  return body.extensions;
}

async function totals(s: TestServer, key: string) {
  const count = await s.request(`/api/v1/meters/ls_count/query?${RANGE}`, { key });
  const byTag = await s.request(`/api/v1/meters/ls_sum/query?${RANGE}&groupBy=tag`, { key });
  expect(count.status).toBe(200);
  expect(byTag.status).toBe(200);
  return {
    count: ((await count.json()) as { data: { value: number }[] }).data.reduce(
      (t, r) => t + r.value,
      0,
    ),
    byTag: (
      (await byTag.json()) as { data: { value: number; groupBy: { tag: string } }[] }
    ).data.map((r) => [r.groupBy.tag, r.value]),
  };
}

describe('lone surrogates', () => {
  it('identity fields with a lone surrogate are refused with a reason; the good event is stored', async () => {
    server = await startTestServer({ dataDir, keepDataDir: true });
    account = await server.createAccount('surrogates');
    for (const meter of [
      { slug: 'ls_count', eventType: 'ls', aggregation: 'COUNT' },
      {
        slug: 'ls_sum',
        eventType: 'ls',
        aggregation: 'SUM',
        valueProperty: '$.n',
        groupBy: { tag: '$.tag' },
      },
    ]) {
      const res = await server.request(
        '/api/v1/meters',
        jsonInit(account.secretKey, 'POST', meter),
      );
      expect(res.status).toBe(201);
    }
    const summary = await send(server, account.secretKey);
    expect(summary.accepted).toBe(1);
    expect(await totals(server, account.secretKey)).toEqual({
      count: 1,
      byTag: [['x\uFFFD', 5]],
    });
    await server.stop();
    server = undefined;
  });

  it('after a restart the same batch counts nothing twice, and data reads back as sent', async () => {
    const key = account?.secretKey ?? '';
    server = await startTestServer({ dataDir, keepDataDir: true });
    const summary = await send(server, key);
    expect(summary.accepted).toBe(0);
    expect(summary.duplicates).toBe(1);
    expect(await totals(server, key)).toEqual({ count: 1, byTag: [['x\uFFFD', 5]] });
    const listed = await server.request(`/api/v1/events?${RANGE}`, { key });
    expect(listed.status).toBe(200);
    const events = (await listed.json()) as { event: { id: string; data: unknown } }[];
    expect(events.map((e) => e.event.id)).toEqual(['ok']);
    expect(events[0]?.event.data).toEqual(good.data);
  });
});
