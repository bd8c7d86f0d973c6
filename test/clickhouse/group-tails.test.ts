// The group-by tails' HTTP cases (test/api/group-tails.cases.ts) on a Tally server whose store is
// the single ClickHouse server: the key-set predicate compiled for ClickHouse, NULL groups included.
import { afterAll } from 'vitest';
import { runGroupTailsCases } from '../api/group-tails.cases.js';
import { startTestServer } from '../support/test-server.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase } from './stores.js';

if (!skipClickHouse()) {
  const database = freshDatabase('tally_tails');
  runGroupTailsCases('clickhouse single', () => {
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
