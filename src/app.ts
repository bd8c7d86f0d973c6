// The composition root: builds the store, the domain services and the HTTP app from a Config.
// Tests build the same thing.
import { readFileSync } from 'node:fs';
import { type Logger, pino } from 'pino';
import { AlertRuntime } from './alert/alert-runtime.js';
import { AlertService } from './alert/alert-service.js';
import { requireKey } from './api/auth-middleware.js';
import { compatProfiles } from './api/compat/index.js';
import { createHttpApp } from './api/http.js';
import type { Services } from './api/services.js';
import { KeyService } from './auth/key-service.js';
import { RateLimiter } from './auth/rate-limiter.js';
import type { Config } from './config/config.js';
import { CorrectionService } from './correction/correction-service.js';
import { CustomerService } from './customer/customer-service.js';
import { ValidationError } from './errors/domain-errors.js';
import { IngestService } from './ingest/ingest-service.js';
import type { MeterInput } from './meter/meter-input.js';
import { MeterService } from './meter/meter-service.js';
import { reportIngestLog } from './ops/ingest-log-report.js';
import { Metrics } from './ops/metrics.js';
import { UsageService } from './query/usage-service.js';
import { openStore } from './store/open-store.js';

export interface App {
  fetch: (req: Request) => Response | Promise<Response>;
  http: ReturnType<typeof createHttpApp>;
  services: Services;
  logger: Logger;
  close: () => Promise<void>;
}

export async function createApp(config: Config, now: () => number = Date.now): Promise<App> {
  const logger = pino({ level: config.TALLY_LOG_LEVEL, base: { service: 'tally' } });
  const metrics = new Metrics();
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config, process.env, reportIngestLog(logger, metrics));
  } catch (err) {
    logger.fatal(
      { err },
      `the store cannot open: ${err instanceof Error ? err.message : String(err)}`,
    );
    throw err;
  }
  const meters = new MeterService(store, now);
  const usage = new UsageService(meters, store, (ms) => metrics.queryLatency.observe(ms / 1000), {
    maxCells: config.TALLY_QUERY_MAX_CELLS,
  });
  const alerts = new AlertRuntime(
    store,
    usage,
    {
      sweepIntervalMs: config.TALLY_ALERT_SWEEP_INTERVAL_MS,
      debounceMs: config.TALLY_ALERT_DEBOUNCE_MS,
      retryBaseMs: config.TALLY_WEBHOOK_RETRY_BASE_MS,
      retryMaxDelayMs: config.TALLY_WEBHOOK_RETRY_MAX_DELAY_MS,
      maxAttempts: config.TALLY_WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: config.TALLY_WEBHOOK_TIMEOUT_MS,
      retentionMs: config.TALLY_WEBHOOK_RETENTION_DAYS * 86_400_000,
    },
    (err, context) =>
      logger.warn({ err, ...context }, 'alerting failed; retried at the next sweep'),
    now,
  );
  // Ingest reports the subjects it acknowledged, so that their alerts are evaluated at once.
  const ingest = new IngestService(
    alerts.notifyingWriter(store),
    meters,
    { maxInFlightEvents: config.TALLY_MAX_INFLIGHT_EVENTS },
    (s, counted) => {
      metrics.ingested.inc({ result: 'accepted' }, s.accepted);
      metrics.ingested.inc({ result: 'duplicate' }, s.duplicates);
      metrics.ingested.inc({ result: 'rejected' }, s.rejected.length);
      for (const p of counted) metrics.countValueProblem(p.reason, p.meter);
    },
    now,
  );
  const keys = new KeyService(store, now);
  const corrections = new CorrectionService(store, meters, now);
  const limiter = new RateLimiter(config.TALLY_RATE_LIMIT_RPS, config.TALLY_RATE_LIMIT_BURST, now);

  const services: Services = {
    store,
    meters,
    usage,
    ingest,
    keys,
    alerts: new AlertService(alerts, meters, now),
    metrics,
    now,
    auth: (kinds, customerBound) => requireKey(keys, limiter, kinds, customerBound),
    customers: new CustomerService(store, now),
    corrections,
    adminToken: config.TALLY_ADMIN_TOKEN,
    maxBodyBytes: config.TALLY_MAX_BODY_BYTES,
    enableProfiles: async (accountId, profiles) => {
      const unknown = profiles.filter((p) => !compatProfiles.some((cp) => cp.name === p));
      if (unknown.length > 0) {
        throw new ValidationError(
          unknown.map((p) => ({
            path: 'profiles',
            message: `unknown profile "${p}" (known: ${compatProfiles.map((cp) => cp.name).join(', ')})`,
          })),
        );
      }
      const account = await keys.getAccount(accountId);
      await keys.setProfiles(accountId, [...account.profiles, ...profiles]);
      for (const cp of compatProfiles) {
        if (profiles.includes(cp.name)) await meters.ensurePresets(accountId, cp.presets);
      }
    },
  };
  await addNewPresets(services, logger);
  if (config.TALLY_METERS_FILE) await applyMetersFile(config.TALLY_METERS_FILE, services);
  const http = createHttpApp(services, logger);
  // Corrections a stop interrupted rebuild their meters in the background.
  corrections
    .resume()
    .then((n) => n > 0 && logger.info({ corrections: n }, 'finished interrupted corrections'))
    .catch((err) => logger.error({ err }, 'an interrupted correction could not be finished'));
  alerts.start();
  return {
    fetch: (req) => http.fetch(req),
    http,
    services,
    logger,
    close: async () => {
      await alerts.close();
      await store.close();
    },
  };
}

/**
 * Preset meters a release added to a profile (such as the Wowza-compatible storage level) are
 * created for the accounts that enabled the profile under an older release; created once, with
 * their backfill, and never again if the account deletes them.
 */
async function addNewPresets(s: Services, logger: Logger): Promise<void> {
  for (const account of await s.keys.listAccounts()) {
    const presets = compatProfiles
      .filter((cp) => account.profiles.includes(cp.name))
      .flatMap((cp) => cp.presets);
    if (presets.length === 0) continue;
    // One meter list read per account, whatever the number of profiles it enabled.
    const created = await s.meters.ensurePresets(account.id, presets, true);
    if (created.length > 0) {
      logger.info({ account: account.id, created }, 'added new preset meters');
    }
  }
}

/**
 * Meters declared in a JSON file: `[{ "account": "<id or name>", "meters": [MeterCreate...] }]`.
 * Missing meters are created at start; existing ones are left as they are.
 */
async function applyMetersFile(path: string, s: Services): Promise<void> {
  const spec = JSON.parse(readFileSync(path, 'utf8')) as {
    account: string;
    meters: MeterInput[];
  }[];
  const accounts = await s.keys.listAccounts();
  for (const entry of spec) {
    const account = accounts.find((a) => a.id === entry.account || a.name === entry.account);
    const id = account?.id ?? (await s.keys.createAccount(entry.account)).id;
    await s.meters.ensurePresets(id, entry.meters);
  }
}
