import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createApp } from '../app.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { type DemoKeys, seedDemo } from '../demo/seed-demo.js';
import { startServer, stopOnSignals } from '../server.js';

function printKeys(k: DemoKeys & { events: number }, url: string, adminToken?: string): void {
  console.log(
    `\nDemo account ${k.accountId} with ${k.events} events (90 days, every compat profile).`,
  );
  console.log(`  secret key:       ${k.secret}`);
  console.log(`  ingest key:       ${k.ingest}`);
  console.log(`  publishable key:  ${k.publishable}  (bound to subject "${k.publishableSubject}")`);
  if (adminToken) console.log(`  admin token:      ${adminToken}`);
  console.log(`  dashboard:        ${url}/`);
  console.log(
    `  try:              curl -H "Authorization: Bearer ${k.secret}" "${url}/api/v1/meters/ai_tokens/query?windowSize=DAY&from=${new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z"\n`,
  );
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('start the server (PORT, TALLY_DATA_DIR, ... from the environment)')
    .option('--demo', 'on an empty data directory, create a demo account with demo data')
    .action(async (opts: { demo?: boolean }) => {
      let config: ReturnType<typeof loadConfig>;
      try {
        const env = { ...process.env };
        if (opts.demo && !env.TALLY_ADMIN_TOKEN)
          env.TALLY_ADMIN_TOKEN = `adm_${randomBytes(18).toString('base64url')}`;
        config = loadConfig(env);
      } catch (err) {
        if (err instanceof ConfigError) {
          console.error(err.message);
          process.exit(2);
        }
        throw err;
      }
      const app = await createApp(config);
      let keys: (DemoKeys & { events: number }) | undefined;
      if (opts.demo && (await app.services.keys.listAccounts()).length === 0) {
        console.log('Empty data directory: creating the demo account and its data...');
        keys = await seedDemo(
          app,
          config.TALLY_DEMO_SECRET_KEY ? { secretKey: config.TALLY_DEMO_SECRET_KEY } : {},
        );
      }
      const running = await startServer(config, app);
      stopOnSignals(running);
      if (keys) printKeys(keys, `http://localhost:${running.port}`, config.TALLY_ADMIN_TOKEN);
      app.logger.info(
        {
          port: running.port,
          store: app.services.store.kind,
          maxConnections: running.limits.maxConnections,
          openFileLimit: running.limits.openFileLimit,
        },
        'tally listening',
      );
    });

  program
    .command('demo')
    .description(
      'create the demo account and data in TALLY_DATA_DIR (server stopped), or write NDJSON',
    )
    .option('--days <n>', 'days of history', '90')
    .option('--ndjson <file>', 'write the demo events to this NDJSON file instead')
    .action(async (opts: { days: string; ndjson?: string }) => {
      const config = loadConfig();
      const days = Number(opts.days);
      if (opts.ndjson) {
        const { nativeDemoEvents } = await import('../demo/native-events.js');
        const { compatProfiles } = await import('../api/compat/index.js');
        const now = Date.now();
        const lines: string[] = [];
        for (const e of nativeDemoEvents(now, days, 42)) lines.push(JSON.stringify(e));
        for (const p of compatProfiles)
          for (const e of p.demoEvents({ now, days, seed: 42 })) lines.push(JSON.stringify(e));
        writeFileSync(opts.ndjson, `${lines.join('\n')}\n`);
        console.log(`wrote ${lines.length} events to ${opts.ndjson}`);
        return;
      }
      const app = await createApp(config);
      const keys = await seedDemo(app, {
        days,
        ...(config.TALLY_DEMO_SECRET_KEY ? { secretKey: config.TALLY_DEMO_SECRET_KEY } : {}),
      });
      await app.close();
      printKeys(keys, `http://localhost:${config.PORT}`);
    });
}
