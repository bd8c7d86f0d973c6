// A live Tally server for HTTP-level tests: a fresh data directory, a free port, an admin token,
// and helpers that create accounts and keys through the admin API (the way operators do), so the
// tests exercise the same routes as real clients.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Services } from '../../src/api/services.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export type KeyKind = 'secret' | 'ingest' | 'publishable';

export interface CreatedKey {
  id: string;
  key: string;
  kind: KeyKind;
  subject: string | null;
}

export interface TestAccount {
  id: string;
  name: string;
  /** A secret key created with the account. */
  secretKey: string;
  /** Creates another key of the account through the admin API. */
  createKey: (kind: KeyKind, subject?: string) => Promise<CreatedKey>;
}

export interface TestServer {
  url: string;
  /** The server's own services, for state no HTTP route can make (e.g. keys of older versions). */
  services: Services;
  dataDir: string;
  adminToken: string;
  /** fetch against the server; `path` starts with '/'. */
  request: (path: string, init?: RequestInit & { key?: string }) => Promise<Response>;
  /** Creates an account and a secret key through the admin API. */
  createAccount: (name?: string) => Promise<TestAccount>;
  /** Stops the server and removes the data directory. */
  stop: () => Promise<void>;
}

export interface TestServerOptions {
  /** Extra environment, e.g. TALLY_RATE_LIMIT_RPS for the overload test. */
  env?: Record<string, string>;
  /** Keep the data directory after stop (for restart tests). */
  keepDataDir?: boolean;
  /** Reuse an existing data directory instead of a new temporary one. */
  dataDir?: string;
}

let accounts = 0;

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tally-api-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    TALLY_DATA_DIR: dataDir,
    TALLY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    TALLY_LOG_LEVEL: 'silent',
    ...options.env,
  });
  const running = await startServer(config);
  const url = running.url;

  const request = (path: string, init: RequestInit & { key?: string } = {}) => {
    const { key, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
    return fetch(`${url}${path}`, { ...rest, headers });
  };

  const adminJson = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await request(path, {
      method: 'POST',
      key: TEST_ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) {
      throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
    }
    return (await res.json()) as T;
  };

  const createAccount = async (name?: string): Promise<TestAccount> => {
    accounts += 1;
    const accountName = name ?? `account-${accounts}`;
    const account = await adminJson<{ id: string }>('/admin/v1/accounts', { name: accountName });
    const createKey = (kind: KeyKind, subject?: string) =>
      adminJson<CreatedKey>(`/admin/v1/accounts/${account.id}/keys`, {
        kind,
        ...(subject !== undefined ? { subject } : {}),
      });
    const secret = await createKey('secret');
    return { id: account.id, name: accountName, secretKey: secret.key, createKey };
  };

  return {
    url,
    services: running.app.services,
    dataDir,
    adminToken: TEST_ADMIN_TOKEN,
    request,
    createAccount,
    stop: async () => {
      await running.stop();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON body helpers for the native API. */
export function jsonInit(
  key: string,
  method: string,
  body: unknown,
  contentType = 'application/json',
): RequestInit & { key: string } {
  return {
    key,
    method,
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  };
}

let eventCounter = 0;

export interface TestEvent {
  id: string;
  source: string;
  specversion: '1.0';
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

/** A CloudEvent with a unique id (unique across the test run, so batches never collide by accident). */
export function testEvent(
  type: string,
  subject: string,
  time: string | number,
  data: Record<string, unknown>,
  id?: string,
): TestEvent {
  eventCounter += 1;
  return {
    id: id ?? `evt-${process.pid}-${eventCounter}`,
    source: 'tally-test',
    specversion: '1.0',
    type,
    subject,
    time: typeof time === 'number' ? new Date(time).toISOString() : time,
    data,
  };
}

/** The prompt meters the HTTP case files share: tokens summed by model, distinct users. */
export const PROMPT_METERS: Record<string, object> = {
  tokens: {
    aggregation: 'SUM',
    eventType: 'prompt',
    valueProperty: '$.tokens',
    groupBy: { model: '$.model' },
  },
  users: { aggregation: 'UNIQUE_COUNT', eventType: 'prompt', valueProperty: '$.user' },
};

/** Creates meters (slug -> definition) through the API; anything but 201 fails with the answer. */
export async function createMeters(
  server: TestServer,
  key: string,
  meters: Record<string, object>,
): Promise<void> {
  for (const [slug, body] of Object.entries(meters)) {
    const res = await server.request('/api/v1/meters', jsonInit(key, 'POST', { slug, ...body }));
    if (res.status !== 201) throw new Error(`meter ${slug}: ${res.status} ${await res.text()}`);
  }
}
