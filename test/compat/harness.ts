// A live Tally server for the compat conformance tests: a fresh data directory, one account with
// the profile enabled, a secret key, and a real HTTP listener for the official clients.

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { CloudEventInput } from '../../src/api/compat/profile.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';

export interface Tally {
  origin: string;
  accountId: string;
  secretKey: string;
  /** Extra keys of other kinds, created on demand. */
  key(kind: 'ingest' | 'publishable', subject?: string): Promise<string>;
  send(events: CloudEventInput[]): Promise<void>;
  close(): Promise<void>;
}

export async function startTally(profiles: string[], now?: () => number): Promise<Tally> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-compat-'));
  const app = await createApp(
    loadConfig({ TALLY_DATA_DIR: dir, TALLY_LOG_LEVEL: 'silent' }),
    now ?? Date.now,
  );
  const s = app.services;
  const account = await s.keys.createAccount('compat-test');
  await s.enableProfiles(account.id, profiles);
  const { key: secretKey } = await s.keys.createKey(account.id, 'secret');
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    accountId: account.id,
    secretKey,
    key: async (kind, subject) => (await s.keys.createKey(account.id, kind, subject)).key,
    send: async (events) => {
      const summary = await s.ingest.ingest(
        account.id,
        events.map((value) => ({ value })),
      );
      if (summary.rejected.length > 0) {
        throw new Error(`rejected events: ${JSON.stringify(summary.rejected.slice(0, 3))}`);
      }
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A CloudEvent with a unique id. */
export function cloudEvent(
  type: string,
  subject: string,
  time: number,
  data: Record<string, unknown>,
): CloudEventInput {
  counter += 1;
  return {
    id: `t-${counter}-${Math.random().toString(36).slice(2)}`,
    source: 'test',
    specversion: '1.0',
    type,
    subject,
    time: new Date(time).toISOString(),
    data,
  };
}
