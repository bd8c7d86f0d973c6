import { Command, Option } from 'commander';
import { registerAdminCommands } from './admin.commands.js';
import { registerBackupCommands } from './backup.commands.js';
import { registerDataCommands } from './data.commands.js';
import { registerServeCommands } from './serve.commands.js';
import { packageVersion } from './version.js';

// Everything imported above is light (commander and command definitions): the actions import
// what they need when they run, so `tally --version` and `tally --help` start fast.
const program = new Command()
  .name('tally')
  .description('Tally: self-hosted usage metering and usage analytics')
  .version(packageVersion(), '-V, --version', 'print the version')
  .addOption(
    new Option('--url <url>', 'server URL').env('TALLY_URL').default('http://127.0.0.1:8787'),
  )
  .addOption(new Option('--key <key>', 'API key (secret or ingest)').env('TALLY_KEY'));

registerServeCommands(program);
registerDataCommands(program);
registerAdminCommands(program);
registerBackupCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`tally: ${(err as Error).message}`);
  process.exit(1);
});
