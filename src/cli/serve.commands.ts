import type { Command } from 'commander';
import { integerAtLeast } from './options.js';

// Definitions only: the actions import the server (serve.actions.ts) when they run.
export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('start the server (PORT, TALLY_DATA_DIR, ... from the environment)')
    .option('--demo', 'on an empty data directory, create a demo account with demo data')
    .action(async (opts: { demo?: boolean }) => {
      const { serve } = await import('./serve.actions.js');
      await serve(opts);
    });

  program
    .command('demo')
    .description(
      'create the demo account and data in TALLY_DATA_DIR (server stopped), or write NDJSON',
    )
    .option('--days <n>', 'days of history', integerAtLeast(1), 90)
    .option('--ndjson <file>', 'write the demo events to this NDJSON file instead')
    .action(async (opts: { days: number; ndjson?: string }) => {
      const { demo } = await import('./serve.actions.js');
      await demo(opts);
    });
}
