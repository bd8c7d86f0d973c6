import { compatProfiles } from '../api/compat/index.js';
import type { CloudEventInput } from '../api/compat/profile.js';
import type { App } from '../app.js';
import { nativeDemoEvents } from './native-events.js';
import { DEMO_METERS } from './native-meters.js';

export interface DemoKeys {
  accountId: string;
  secret: string;
  ingest: string;
  publishable: string;
  publishableSubject: string;
}

export interface DemoOptions {
  days?: number;
  seed?: number;
  secretKey?: string;
  onProgress?: (sent: number) => void;
}

/** Creates the demo account with every profile enabled, its keys, and 90 days of usage. */
export async function seedDemo(
  app: App,
  opts: DemoOptions = {},
): Promise<DemoKeys & { events: number }> {
  const s = app.services;
  const now = s.now();
  const days = opts.days ?? 90;
  const seed = opts.seed ?? 42;
  const account = await s.keys.createAccount('Demo');
  await s.enableProfiles(
    account.id,
    compatProfiles.map((p) => p.name),
  );
  await s.meters.ensurePresets(account.id, DEMO_METERS);
  const secret = (await s.keys.createKey(account.id, 'secret', undefined, opts.secretKey)).key;
  const ingest = (await s.keys.createKey(account.id, 'ingest')).key;
  const publishableSubject = 'acme';
  const publishable = (await s.keys.createKey(account.id, 'publishable', publishableSubject)).key;

  const sources: Iterable<CloudEventInput>[] = [
    nativeDemoEvents(now, days, seed),
    ...compatProfiles.map((p) => p.demoEvents({ now, days, seed })),
  ];
  let batch: { value: unknown }[] = [];
  let events = 0;
  // A few batches in flight let the store's group commit merge them.
  const inFlight: Promise<unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    inFlight.push(s.ingest.ingest(account.id, batch));
    events += batch.length;
    opts.onProgress?.(events);
    batch = [];
    if (inFlight.length >= 4) await inFlight.shift();
  };
  for (const source of sources) {
    for (const e of source) {
      batch.push({ value: e });
      if (batch.length >= 5_000) await flush();
    }
  }
  await flush();
  await Promise.all(inFlight);
  return { accountId: account.id, secret, ingest, publishable, publishableSubject, events };
}

/**
 * Makes the fixed demo secret key (TALLY_DEMO_SECRET_KEY) valid on a data directory seeded without
 * it: added to the demo account, or left alone when it already works. Returns whether it added it.
 */
export async function ensureDemoSecretKey(app: App, secretKey: string): Promise<boolean> {
  const s = app.services;
  if (await s.keys.verify(secretKey)) return false;
  const demo = (await s.keys.listAccounts()).find((a) => a.name === 'Demo');
  if (!demo) return false;
  await s.keys.createKey(demo.id, 'secret', undefined, secretKey);
  return true;
}
