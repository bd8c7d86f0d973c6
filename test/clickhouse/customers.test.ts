// The customers' HTTP cases (test/api/customers.cases.ts) on a Tally server whose store is the
// single ClickHouse server: grouping by customer runs as transform() in ClickHouse's SQL.
import { runCustomerCases } from '../api/customers.cases.js';
import { skipClickHouse } from './servers.js';
import { singleServerTally } from './single-server-tally.js';

if (!skipClickHouse()) {
  const start = singleServerTally('tally_customers');
  runCustomerCases('clickhouse single', () => start());
}
