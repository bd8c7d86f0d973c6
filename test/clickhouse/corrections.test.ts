// The corrections' HTTP cases (test/api/corrections.cases.ts) on a Tally server whose store is the
// single ClickHouse server. 18.16 has no JSON functions, so `asOf` (read from raw events) is
// refused there with a clear error; test/clickhouse/corrections-chdb.test.ts answers it on a
// current ClickHouse.
import { afterAll } from 'vitest';
import { runCorrectionCases } from '../api/corrections.cases.js';
import { startTestServer } from '../support/test-server.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase } from './stores.js';

if (!skipClickHouse()) {
  const database = freshDatabase('tally_corrections');
  runCorrectionCases(
    'clickhouse single',
    () => {
      const env = {
        TALLY_STORE: 'clickhouse',
        TALLY_CLICKHOUSE_URL: servers().singleUrl,
        TALLY_CLICKHOUSE_DATABASE: database,
      };
      Object.assign(process.env, env);
      return startTestServer({ env });
    },
    { asOf: false },
  );
  afterAll(async () => {
    await dropDatabase('single', database);
  });
}
