import { type Command, Option } from 'commander';
import { call, expectOk, type Target } from './http-client.js';

function admin(program: Command, cmd: Command): Target {
  const url = program.opts<{ url: string }>().url;
  const token = cmd.opts<{ adminToken?: string }>().adminToken;
  if (!token) throw new Error('an admin token is required (--admin-token or TALLY_ADMIN_TOKEN)');
  return { url, key: token };
}

const tokenOption = () =>
  new Option('--admin-token <token>', 'admin token').env('TALLY_ADMIN_TOKEN');

export function registerAdminCommands(program: Command): void {
  const accounts = program
    .command('accounts')
    .description('manage accounts (admin token)')
    .addOption(tokenOption());
  accounts.command('list').action(async () => {
    const res = await expectOk(await call(admin(program, accounts), 'GET', '/admin/v1/accounts'));
    console.table(await res.json());
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
        await call(
          admin(program, keys),
          'POST',
          `/admin/v1/accounts/${encodeURIComponent(accountId)}/keys`,
          { kind, ...(o.subject ? { subject: o.subject } : {}) },
        ),
      );
      const k = (await res.json()) as { key: string };
      console.log(JSON.stringify(k, null, 2));
      console.log('\nThe key is shown only once: store it now.');
    });
  keys.command('list <accountId>').action(async (accountId: string) => {
    const res = await expectOk(
      await call(
        admin(program, keys),
        'GET',
        `/admin/v1/accounts/${encodeURIComponent(accountId)}/keys`,
      ),
    );
    console.table(await res.json());
  });
  keys.command('revoke <accountId> <keyId>').action(async (accountId: string, keyId: string) => {
    await expectOk(
      await call(
        admin(program, keys),
        'DELETE',
        `/admin/v1/accounts/${encodeURIComponent(accountId)}/keys/${encodeURIComponent(keyId)}`,
      ),
    );
    console.log(`revoked ${keyId}`);
  });
}
