// The CLI as a user runs it (`node bin/tally.js ...`) against a live server.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  TEST_ADMIN_TOKEN,
  type TestAccount,
  type TestServer,
} from '../support/test-server.js';

const run = promisify(execFile);

describe('tally CLI', () => {
  let server: TestServer;
  let account: TestAccount;
  const dir = mkdtempSync(join(tmpdir(), 'tally-cli-'));
  const cli = (...args: string[]) =>
    run('node', ['bin/tally.js', '--url', server.url, ...args], {
      env: { ...process.env, TALLY_KEY: account.secretKey, TALLY_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    });

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.createAccount('cli');
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates a meter, ingests a CSV with one bad row, and queries as table, JSON and CSV', async () => {
    await cli(
      'meters',
      'create',
      JSON.stringify({
        slug: 'tokens',
        aggregation: 'SUM',
        eventType: 'prompt',
        valueProperty: '$.tokens',
        groupBy: { model: '$.model' },
      }),
    );
    const csv = join(dir, 'events.csv');
    writeFileSync(
      csv,
      [
        'id,source,type,subject,time,data.tokens,data.model',
        'e1,cli,prompt,acme,2024-05-01T10:00:00Z,10,gpt-4',
        'e2,cli,prompt,acme,2024-05-01T11:00:00Z,32,claude',
        'e3,cli,prompt,,2024-05-01T12:00:00Z,5,gpt-4',
        'e4,cli,prompt,globex,2024-05-02T09:00:00Z,7,gpt-4',
      ].join('\n'),
    );
    const ingest = await cli('ingest', csv).catch((e: { stdout: string; code: number }) => e);
    expect(ingest.stdout).toContain('accepted 3, duplicates 0, rejected 1');
    // Line 1 is the header: e3 is on line 4.
    expect(ingest.stdout).toMatch(/line 4 \(id e3\): .*subject/);
    expect((ingest as { code?: number }).code).toBe(1);

    const json = await cli(
      'query',
      'tokens',
      '--from',
      '2024-05-01T00:00:00Z',
      '--to',
      '2024-05-03T00:00:00Z',
      '--window',
      'DAY',
      '--group-by',
      'model',
      '--output',
      'json',
    );
    const rows = (
      JSON.parse(json.stdout) as {
        data: { windowStart: string; groupBy: { model: string }; value: number }[];
      }
    ).data;
    expect(rows.map((r) => [r.windowStart.slice(0, 10), r.groupBy.model, r.value])).toEqual([
      ['2024-05-01', 'claude', 32],
      ['2024-05-01', 'gpt-4', 10],
      ['2024-05-02', 'gpt-4', 7],
    ]);
    const out = await cli(
      'query',
      'tokens',
      '--from',
      '2024-05-01T00:00:00Z',
      '--to',
      '2024-05-03T00:00:00Z',
      '--output',
      'csv',
    );
    expect(out.stdout.trim().split('\n')).toEqual([
      'windowStart,windowEnd,subject,value',
      '2024-05-01T00:00:00.000Z,2024-05-03T00:00:00.000Z,,49',
    ]);
    const table = await cli(
      'query',
      'tokens',
      '--from',
      '2024-05-01T00:00:00Z',
      '--to',
      '2024-05-03T00:00:00Z',
      '--filter',
      'model=gpt-4',
    );
    expect(table.stdout).toContain('17');
    expect(table.stdout).not.toContain('(index)');
    expect(table.stdout).toMatch(/windowStart.*windowEnd.*value/);
    const again = await cli('ingest', csv).catch((e: { stdout: string }) => e);
    expect(again.stdout).toContain('accepted 0, duplicates 3, rejected 1');
  });

  it('manages accounts and keys with the admin token', async () => {
    const created = await cli('accounts', 'create', 'from-cli');
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    const key = await cli('keys', 'create', id, 'publishable', '--subject', 'acme');
    expect(key.stdout).toMatch(/"key": "pk_/);
    expect(key.stdout).toContain('shown only once');
    const list = await cli('keys', 'list', id);
    expect(list.stdout).toContain('publishable');
    expect(list.stdout).not.toMatch(/pk_[A-Za-z0-9_-]{20,}/);
  });
});
