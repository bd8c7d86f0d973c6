// The event explorer's HTTP cases (test/api/event-explorer.cases.ts) on a Tally server whose store
// is the single ClickHouse server.
import { runEventExplorerCases } from '../api/event-explorer.cases.js';
import { skipClickHouse } from './servers.js';
import { singleServerTally } from './single-server-tally.js';

if (!skipClickHouse()) {
  const start = singleServerTally('tally_explorer');
  runEventExplorerCases('clickhouse single', () => start());
}
