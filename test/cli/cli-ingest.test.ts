// Streaming ingest as a user runs it: line numbers in errors, bounded batches, resuming after a
// failed batch, and CSV cells that keep their text unless a meter reads them as numbers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestAccount, type TestServer } from '../support/test-server.js';
import { startRecordingProxy } from './recording-proxy.js';
import { runCli } from './run-cli.js';

const TIME = '2024-05-01T10:00:00Z';

/** An NDJSON line whose event carries its own 1-based line number as the value `n`. */
function eventLine(type: string, line: number, prefix: string): string {
  return JSON.stringify({
    id: `${prefix}-${line}`,
    source: 'cli-test',
    type,
    subject: 'acme',
    time: TIME,
    data: { n: line },
  });
}

/** 1 + 2 + ... + n, minus the lines that carry no event. */
function sumOfLines(n: number, without: number[] = []): number {
  return (n * (n + 1)) / 2 - without.reduce((a, b) => a + b, 0);
}

describe('tally ingest', () => {
  let server: TestServer;
  let account: TestAccount;
  const dir = mkdtempSync(join(tmpdir(), 'tally-cli-ingest-'));
  const cli = (url: string, ...args: string[]) =>
    runCli(['--url', url, ...args], { TALLY_KEY: account.secretKey });

  async function createMeter(body: Record<string, unknown>): Promise<void> {
    const res = await server.request('/api/v1/meters', {
      method: 'POST',
      key: account.secretKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
  }

  async function total(slug: string): Promise<number> {
    const res = await server.request(
      `/api/v1/meters/${slug}/query?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z`,
      { key: account.secretKey },
    );
    const body = (await res.json()) as { data: { value: number }[] };
    return body.data.reduce((s, r) => s + r.value, 0);
  }

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.createAccount('cli-ingest');
    for (const type of ['broken', 'batched', 'resumed']) {
      await createMeter({ slug: type, aggregation: 'SUM', eventType: type, valueProperty: '$.n' });
    }
  });
  afterAll(async () => {
    await server.stop();
  });

  it('names a broken NDJSON line by its 1-based number and the parse error, and sends the rest', async () => {
    const lines: string[] = [];
    for (let line = 1; line <= 120; line++) {
      if (line === 10) lines.push('');
      else if (line === 50) lines.push('{"id": "x", not json');
      else lines.push(eventLine('broken', line, 'b'));
    }
    const file = join(dir, 'broken.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await cli(server.url, 'ingest', file, '--batch', '25');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('accepted 118, duplicates 0, rejected 1');
    expect(r.stdout).toMatch(/^ {2}line 50: invalid JSON: \S.*$/m);
    expect(r.stdout).not.toMatch(/#\d+|no id/);
    // Every good line, before and after the broken one, was counted.
    expect(await total('broken')).toBe(sumOfLines(120, [10, 50]));
  });

  it('reports server rejections by the line of the rejected event', async () => {
    const lines = [1, 2, 3, 4, 5].map((l) => eventLine('broken', l, 'rej'));
    lines[3] = JSON.stringify({ id: 'rej-4', source: 'cli-test', type: 'broken', time: TIME });
    const file = join(dir, 'rejected.ndjson');
    writeFileSync(file, lines.join('\n'));
    const r = await cli(server.url, 'ingest', file, '--batch', '2');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('accepted 4, duplicates 0, rejected 1');
    expect(r.stdout).toMatch(/^ {2}line 4 \(id rej-4\): .*subject/m);
  });

  it('sends a file in batches of at most --batch events, one request per batch', async () => {
    const n = 100;
    const k = 30;
    const file = join(dir, 'batched.ndjson');
    const lines = Array.from({ length: n }, (_, i) => eventLine('batched', i + 1, 'bt'));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const proxy = await startRecordingProxy(server.url);
    try {
      const r = await cli(proxy.url, 'ingest', file, '--batch', String(k));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`accepted ${n}, duplicates 0, rejected 0`);
      const posts = proxy.requests.filter((q) => q.method === 'POST');
      expect(posts.map((q) => q.events)).toEqual([30, 30, 30, 10]);
    } finally {
      await proxy.close();
    }
    expect(await total('batched')).toBe(sumOfLines(n));
  });

  it('stops at a batch the server did not acknowledge, names the line to resume from, and resumes', async () => {
    const n = 100;
    const file = join(dir, 'resumed.ndjson');
    const lines = Array.from({ length: n }, (_, i) => eventLine('resumed', i + 1, 'rs'));
    writeFileSync(file, `${lines.join('\n')}\n`);
    // The third request fails: batches 1 and 2 (lines 1-60) were acknowledged, line 61 starts the third.
    const proxy = await startRecordingProxy(server.url, { failIngest: 3 });
    try {
      const r = await cli(proxy.url, 'ingest', file, '--batch', '30');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('accepted 60, duplicates 0, rejected 0');
      expect(r.stderr).toContain('stopped at line 61: HTTP 500: boom');
      expect(r.stderr).toContain('--from-line 61');
      // Nothing was read or sent after the failed batch.
      expect(proxy.requests.filter((q) => q.method === 'POST')).toHaveLength(3);
    } finally {
      await proxy.close();
    }
    expect(await total('resumed')).toBe(sumOfLines(60));
    const resumed = await cli(server.url, 'ingest', file, '--batch', '30', '--from-line', '61');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('accepted 40, duplicates 0, rejected 0');
    expect(await total('resumed')).toBe(sumOfLines(n));
  });

  it('keeps CSV text such as 007 as text; only meter value columns and --numbers become numbers', async () => {
    await createMeter({
      slug: 'csv_tokens',
      aggregation: 'SUM',
      eventType: 'prompt',
      valueProperty: '$.tokens',
      groupBy: { customer: '$.customer' },
    });
    const file = join(dir, 'typed.csv');
    writeFileSync(
      file,
      [
        'id,source,type,subject,time,data.tokens,data.customer,data.plan,data.zip',
        `c1,cli,prompt,acme,${TIME},010,007,42,01234`,
        `c2,cli,prompt,acme,${TIME},5,007,42,01234`,
        `c3,cli,prompt,acme,${TIME},1,2,3,4,5`,
        `c4,cli,other,acme,${TIME},0012,1,2,3`,
      ].join('\n'),
    );
    const r = await cli(server.url, 'ingest', file, '--numbers', 'data.plan');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('accepted 3, duplicates 0, rejected 1');
    expect(r.stdout).toMatch(/^ {2}line 4: invalid CSV: .*\S/m);

    const q = await server.request(
      '/api/v1/meters/csv_tokens/query?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z&groupBy=customer',
      { key: account.secretKey },
    );
    const rows = ((await q.json()) as { data: { groupBy: { customer: string }; value: number }[] })
      .data;
    expect(rows.map((row) => [row.groupBy.customer, row.value])).toEqual([['007', 15]]);

    const data = async (id: string) => {
      const res = await server.request(`/api/v1/events?id=${id}&from=2024-04-30T00:00:00Z`, {
        key: account.secretKey,
      });
      const list = (await res.json()) as { event: { data: Record<string, unknown> } }[];
      return list[0]?.event.data;
    };
    // tokens: the meter's value for type prompt; plan: named; customer and zip: text.
    expect(await data('c1')).toEqual({ tokens: 10, customer: '007', plan: 42, zip: '01234' });
    // No meter reads tokens of type other: it stays text.
    expect(await data('c4')).toEqual({ tokens: '0012', customer: '1', plan: 2, zip: '3' });
  });
});
