import { type Command, Option } from 'commander';
import { call, expectOk, type Target } from './http-client.js';
import { outputOption } from './options.js';
import type { Column } from './table.js';

interface AccountWire {
  id: string;
  name: string;
  createdAt: string;
  profiles: string[];
}

interface KeyWire {
  id: string;
  accountId: string;
  kind: string;
  subject: string | null;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

const accountColumns: Column<AccountWire>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'name', value: (a) => a.name },
  { header: 'created', value: (a) => a.createdAt },
  { header: 'profiles', value: (a) => a.profiles },
];

const keyColumns: Column<KeyWire>[] = [
  { header: 'id', value: (k) => k.id },
  { header: 'account', value: (k) => k.accountId },
  { header: 'kind', value: (k) => k.kind },
  { header: 'subject', value: (k) => k.subject },
  { header: 'prefix', value: (k) => k.prefix },
  { header: 'created', value: (k) => k.createdAt },
  { header: 'revoked', value: (k) => k.revokedAt },
];

function admin(program: Command, cmd: Command): Target {
  const url = program.opts<{ url: string }>().url;
  const token = cmd.opts<{ adminToken?: string }>().adminToken;
  if (!token) throw new Error('an admin token is required (--admin-token or TALLY_ADMIN_TOKEN)');
  return { url, key: token };
}

const tokenOption = () =>
  new Option('--admin-token <token>', 'admin token').env('TALLY_ADMIN_TOKEN');

async function getJson<T>(t: Target, path: string): Promise<T> {
  return (await (await expectOk(await call(t, 'GET', path))).json()) as T;
}

const keysPath = (accountId: string) => `/admin/v1/accounts/${encodeURIComponent(accountId)}/keys`;

/** Every key of every account: the admin API lists keys per account. */
async function allKeys(t: Target): Promise<KeyWire[]> {
  const accounts = await getJson<AccountWire[]>(t, '/admin/v1/accounts');
  const keys: KeyWire[] = [];
  for (const a of accounts) keys.push(...(await getJson<KeyWire[]>(t, keysPath(a.id))));
  return keys;
}

export function registerAdminCommands(program: Command): void {
  const accounts = program
    .command('accounts')
    .description('manage accounts (admin token)')
    .addOption(tokenOption());
  accounts
    .command('list')
    .addOption(outputOption(['table', 'json']))
    .action(async (o: { output: string }) => {
      const list = await getJson<AccountWire[]>(admin(program, accounts), '/admin/v1/accounts');
      const { printList } = await import('./table.js');
      printList(o.output, list, accountColumns);
    });
  accounts
    .command('create <name>')
    .option('--profiles <names...>', 'compat profiles to enable')
    .action(async (name: string, o: { profiles?: string[] }) => {
      const res = await expectOk(
        await call(admin(program, accounts), 'POST', '/admin/v1/accounts', {
          name,
          ...(o.profiles ? { profiles: o.profiles } : {}),
        }),
      );
      console.log(JSON.stringify(await res.json(), null, 2));
    });

  const keys = program
    .command('keys')
    .description('manage API keys (admin token)')
    .addOption(tokenOption());
  keys
    .command('create <accountId> <kind>')
    .description('kind: secret | ingest | publishable')
    .option(
      '--subject <subject>',
      'bind the key to one subject: a publishable key then reads only it, an ingest key writes only it (secret keys are account-wide and refuse it)',
    )
    .action(async (accountId: string, kind: string, o: { subject?: string }) => {
      // The server refuses it too; saying so here spares a round trip and names the flag.
      if (kind === 'secret' && o.subject !== undefined) {
        throw new Error(
          '--subject is not allowed on a secret key (secret keys are account-wide): create a publishable key with --subject to read one subject, or an ingest key with --subject to send its events',
        );
      }
      const res = await expectOk(
        await call(admin(program, keys), 'POST', keysPath(accountId), {
          kind,
          ...(o.subject ? { subject: o.subject } : {}),
        }),
      );
      const k = (await res.json()) as { key: string };
      console.log(JSON.stringify(k, null, 2));
      console.log('\nThe key is shown only once: store it now.');
    });
  keys
    .command('list [accountId]')
    .description('list the keys of one account, or of every account (never the keys themselves)')
    .addOption(outputOption(['table', 'json']))
    .action(async (accountId: string | undefined, o: { output: string }) => {
      const t = admin(program, keys);
      const list = accountId ? await getJson<KeyWire[]>(t, keysPath(accountId)) : await allKeys(t);
      const { printList } = await import('./table.js');
      printList(o.output, list, keyColumns);
    });
  keys
    .command('revoke <id> [keyId]')
    .description('revoke the key <id> (its account is looked up), or: revoke <accountId> <keyId>')
    .action(async (first: string, second: string | undefined) => {
      const t = admin(program, keys);
      let accountId: string;
      let keyId: string;
      if (second !== undefined) {
        accountId = first;
        keyId = second;
      } else {
        keyId = first;
        const key = (await allKeys(t)).find((k) => k.id === keyId);
        if (!key) throw new Error(`no key with id ${keyId} in any account (see tally keys list)`);
        accountId = key.accountId;
      }
      await expectOk(
        await call(t, 'DELETE', `${keysPath(accountId)}/${encodeURIComponent(keyId)}`),
      );
      console.log(`revoked ${keyId}`);
    });
}
