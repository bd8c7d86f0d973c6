// A Tally test server whose store is a fresh database on the single ClickHouse server, for the HTTP
// case files that run on both stores; the database is dropped after the file's tests.
import { afterAll } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freshDatabase, servers } from './servers.js';
import { dropDatabase } from './stores.js';

/** Starts servers on one fresh database (named after `prefix`), with extra environment. */
export function singleServerTally(
  prefix: string,
): (env?: Record<string, string>) => Promise<TestServer> {
  const database = freshDatabase(prefix);
  afterAll(async () => {
    await dropDatabase('single', database);
  });
  return (extra = {}) => {
    const env = {
      TALLY_STORE: 'clickhouse',
      TALLY_CLICKHOUSE_URL: servers().singleUrl,
      TALLY_CLICKHOUSE_DATABASE: database,
      ...extra,
    };
    // The store reads its settings from the environment (src/store/clickhouse/config.ts).
    Object.assign(process.env, env);
    return startTestServer({ env });
  };
}
