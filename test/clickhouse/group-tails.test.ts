// The group-by tails' HTTP cases (test/api/group-tails.cases.ts) on a Tally server whose store is
// the single ClickHouse server: the key-set predicate compiled for ClickHouse, NULL groups included.
import { runGroupTailsCases } from '../api/group-tails.cases.js';
import { skipClickHouse } from './servers.js';
import { singleServerTally } from './single-server-tally.js';

if (!skipClickHouse()) {
  const start = singleServerTally('tally_tails');
  runGroupTailsCases('clickhouse single', () => start());
}
