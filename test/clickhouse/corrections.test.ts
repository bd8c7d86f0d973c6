// The corrections' HTTP cases (test/api/corrections.cases.ts) on a Tally server whose store is the
// single ClickHouse server. 18.16 has no JSON functions, so `asOf` (read from raw events) is
// refused there with a clear error; the store behaviour suite answers it on chDB, a current
// ClickHouse (test/clickhouse/behaviour-chdb.test.ts).
import { runCorrectionCases } from '../api/corrections.cases.js';
import { skipClickHouse } from './servers.js';
import { singleServerTally } from './single-server-tally.js';

if (!skipClickHouse()) {
  const start = singleServerTally('tally_corrections');
  runCorrectionCases('clickhouse single', () => start(), { asOf: false });
}
