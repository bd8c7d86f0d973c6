// The customers' HTTP cases (test/api/customers.cases.ts) on a Tally server whose store is the
// single ClickHouse server: grouping by customer runs as transform() in ClickHouse's SQL.
import { afterAll } from 'vitest';
import { runCustomerCases } from '../api/customers.cases.js';
import { startTestServer } from '../support/test-server.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase } from './stores.js';

if (!skipClickHouse()) {
  const database = freshDatabase('tally_customers');
  runCustomerCases('clickhouse single', () => {
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
