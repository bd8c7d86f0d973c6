// The event explorer's HTTP cases (test/api/event-explorer.cases.ts) on a Tally server whose store
// is the single ClickHouse server.
import { afterAll } from 'vitest';
import { runEventExplorerCases } from '../api/event-explorer.cases.js';
import { startTestServer } from '../support/test-server.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase } from './stores.js';

if (!skipClickHouse()) {
  const database = freshDatabase('tally_explorer');
  runEventExplorerCases('clickhouse single', () => {
    const env = {
      TALLY_STORE: 'clickhouse',
      TALLY_CLICKHOUSE_URL: servers().singleUrl,
      TALLY_CLICKHOUSE_DATABASE: database,
    };
    // The store reads its settings from the environment (src/store/clickhouse/config.ts).
    Object.assign(process.env, env);
    return startTestServer({ env });
  });
  afterAll(async () => {
    await dropDatabase('single', database);
  });
}
