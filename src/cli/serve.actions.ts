// The server side of `tally serve` and `tally demo`: loaded only when one of them runs, so that
// the other commands (and --version, --help) start without DuckDB, Hono and the stores.
import { writeFileSync } from 'node:fs';
import { createApp } from '../app.js';
import { type AdminToken, resolveAdminToken } from '../config/admin-token.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { type DemoKeys, ensureDemoSecretKey, seedDemo } from '../demo/seed-demo.js';
import { startServer, stopOnSignals } from '../server.js';

function printKeys(k: DemoKeys & { events: number }, url: string, admin?: AdminToken): void {
  console.log(
    `\nDemo account ${k.accountId} with ${k.events} events (90 days, every compat profile).`,
  );
  console.log(`  secret key:       ${k.secret}`);
  console.log(`  ingest key:       ${k.ingest}`);
  console.log(`  publishable key:  ${k.publishable}  (bound to subject "${k.publishableSubject}")`);
  // The token itself is shown once, when it is made (above); here only where it is.
  if (admin) {
    const where = admin.file ? `kept in ${admin.file}` : 'from TALLY_ADMIN_TOKEN';
    console.log(`  admin token:      ${where}`);
  }
  console.log(`  dashboard:        ${url}/`);
  console.log(
    `  try:              curl -H "Authorization: Bearer ${k.secret}" "${url}/api/v1/meters/ai_tokens/query?windowSize=DAY&from=-P7D"\n`,
  );
}

export async function serve(opts: { demo?: boolean }): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let admin: AdminToken;
  try {
    const env = { ...process.env };
    admin = resolveAdminToken(loadConfig(env).TALLY_DATA_DIR, env.TALLY_ADMIN_TOKEN);
    config = loadConfig({ ...env, TALLY_ADMIN_TOKEN: admin.token });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (admin.source === 'created') {
    console.log(
      `Admin token (made now and kept in ${admin.file}, readable by its owner only; shown this once):\n  ${admin.token}`,
    );
  }
  if (admin.warning) console.warn(`warning: ${admin.warning}`);
  const app = await createApp(config);
  let keys: (DemoKeys & { events: number }) | undefined;
  if (opts.demo && (await app.services.keys.listAccounts()).length === 0) {
    console.log('Empty data directory: creating the demo account and its data...');
    keys = await seedDemo(
      app,
      config.TALLY_DEMO_SECRET_KEY ? { secretKey: config.TALLY_DEMO_SECRET_KEY } : {},
    );
  } else if (opts.demo && config.TALLY_DEMO_SECRET_KEY) {
    // A data directory made before the variable was set: the key it names works all the same.
    await ensureDemoSecretKey(app, config.TALLY_DEMO_SECRET_KEY);
  }
  const running = await startServer(config, app);
  stopOnSignals(running);
  if (keys) printKeys(keys, `http://localhost:${running.port}`, admin);
  app.logger.info(
    {
      port: running.port,
      store: app.services.store.kind,
      maxConnections: running.limits.maxConnections,
      openFileLimit: running.limits.openFileLimit,
    },
    'tally listening',
  );
}

export async function demo(opts: { days: number; ndjson?: string }): Promise<void> {
  const config = loadConfig();
  const days = opts.days;
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
}
