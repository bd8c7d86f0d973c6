// Tables, meters update and the admin commands (accounts list, keys list, keys revoke) against a
// live server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  TEST_ADMIN_TOKEN,
  type TestAccount,
  type TestServer,
} from '../support/test-server.js';
import { runCli } from './run-cli.js';

/** The cells of the table row whose first cell is `first` (cli-table3 draws rows as │ a │ b │). */
function row(table: string, first: string): string[] | undefined {
  return table
    .split('\n')
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    )
    .find((cells) => cells[0] === first);
}

describe('tally tables, meters update and admin commands', () => {
  let server: TestServer;
  let account: TestAccount;
  const cli = (...args: string[]) =>
    runCli(['--url', server.url, ...args], {
      TALLY_KEY: account.secretKey,
      TALLY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.createAccount('cli-admin');
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lists meters as a table of a few columns, and updates a meter', async () => {
    const created = await cli(
      'meters',
      'create',
      JSON.stringify({
        slug: 'calls',
        aggregation: 'COUNT',
        eventType: 'call',
        groupBy: { region: '$.region', model: '$.model' },
        description: 'a long description that must not widen the table '.repeat(4),
      }),
    );
    expect(created.code).toBe(0);
    await cli(
      'meters',
      'create',
      JSON.stringify({ slug: 'tokens', aggregation: 'SUM', eventType: 'p', valueProperty: '$.t' }),
    );
    const list = await cli('meters', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('(index)');
    expect(row(list.stdout, 'slug')).toEqual([
      'slug',
      'aggregation',
      'event type',
      'value property',
      'group by',
    ]);
    expect(row(list.stdout, 'calls')).toEqual(['calls', 'COUNT', 'call', '', 'region, model']);
    expect(row(list.stdout, 'tokens')).toEqual(['tokens', 'SUM', 'p', '$.t', '']);
    expect(Math.max(...list.stdout.split('\n').map((l) => l.length))).toBeLessThan(100);
    const json = await cli('meters', 'list', '--output', 'json');
    expect((JSON.parse(json.stdout) as { slug: string }[]).map((m) => m.slug).sort()).toEqual([
      'calls',
      'tokens',
    ]);

    const updated = await cli(
      'meters',
      'update',
      'calls',
      JSON.stringify({ name: 'Calls', groupBy: { region: '$.region' } }),
    );
    expect(updated.code).toBe(0);
    const res = await server.request('/api/v1/meters/calls', { key: account.secretKey });
    const meter = (await res.json()) as { name: string; groupBy: Record<string, string> };
    expect(meter.name).toBe('Calls');
    expect(meter.groupBy).toEqual({ region: '$.region' });

    const bad = await cli('meters', 'update', 'calls', '{name: 1}');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('<json> is not valid JSON');
    const refused = await cli('meters', 'update', 'calls', JSON.stringify({ name: '' }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('HTTP 400');
  });

  it('lists accounts, lists keys of one or every account, and revokes a key by its id', async () => {
    const other = await server.createAccount('cli-admin-other');
    const ingest = await other.createKey('ingest', 'acme');

    const accounts = await cli('accounts', 'list');
    expect(accounts.code).toBe(0);
    expect(row(accounts.stdout, account.id)?.[1]).toBe('cli-admin');
    expect(row(accounts.stdout, other.id)?.[1]).toBe('cli-admin-other');

    const all = await cli('keys', 'list');
    expect(row(all.stdout, ingest.id)?.slice(1, 4)).toEqual([other.id, 'ingest', 'acme']);
    const one = await cli('keys', 'list', account.id, '--output', 'json');
    const mine = JSON.parse(one.stdout) as { accountId: string }[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((k) => k.accountId === account.id)).toBe(true);

    const send = () =>
      server.request('/api/v1/events', {
        method: 'POST',
        key: ingest.key,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `r-${Math.random()}`, source: 's', type: 't', subject: 'acme' }),
      });
    expect((await send()).status).toBe(204);
    const revoked = await cli('keys', 'revoke', ingest.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${ingest.id}`);
    expect((await send()).status).toBe(401);
    expect(row((await cli('keys', 'list', other.id)).stdout, ingest.id)?.[6]).toMatch(/^\d{4}-/);

    const unknown = await cli('keys', 'revoke', 'no-such-key');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no key with id no-such-key');
    const noToken = await runCli(['--url', server.url, 'accounts', 'list']);
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toContain('admin token is required');
  });
});
