import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { call, expectOk } from './http-client.js';

/**
 * `tally backup <dir>`: online, through the running server (admin token), into a directory on the
 * server's machine. `tally restore <backup-dir> <data-dir>`: offline, with no server on that data
 * directory (docs/operations.md, "Backup and restore").
 */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup <dir>')
    .description(
      'back up the running server’s embedded store into <dir> on the server machine (must not exist or be empty; admin token)',
    )
    .addOption(new Option('--admin-token <token>', 'admin token').env('TALLY_ADMIN_TOKEN'))
    .action(async (dir: string, o: { adminToken?: string }) => {
      if (!o.adminToken) {
        throw new Error('an admin token is required (--admin-token or TALLY_ADMIN_TOKEN)');
      }
      const url = program.opts<{ url: string }>().url;
      // The server writes the backup: a relative path means this shell's directory, on its disk.
      const path = resolve(dir);
      const res = await expectOk(
        await call({ url, key: o.adminToken }, 'POST', '/admin/v1/backup', { path }),
      );
      console.log(JSON.stringify(await res.json(), null, 2));
    });

  program
    .command('restore <backup-dir> <data-dir>')
    .description(
      'offline: copy a backup into <data-dir> (must not exist or be empty), open it once and check it holds what the backup says; then start the server on it',
    )
    .action(async (backupDir: string, dataDir: string) => {
      // Loaded here, not at start: DuckDB is a large native module the other commands never need.
      const { DuckDbStore } = await import('../store/embedded/duckdb-store.js');
      const info = await DuckDbStore.restore(resolve(backupDir), resolve(dataDir));
      console.log(JSON.stringify(info, null, 2));
    });
}
