import type { Layout } from '../layout.js';
import { createTable } from './ddl.js';

// Accounts, API keys and meters, shared by every Tally process. Each record is stored whole as
// JSON (`body`) with a `version`; readers take argMax(body, version), so the newest write wins
// even before ReplacingMergeTree has merged the older versions away.
export function metadata(layout: Layout, perShard: boolean): string[] {
  return [
    ...createTable(layout, perShard, {
      name: 'accounts',
      columns: 'id String, body String, version UInt64',
      family: 'ReplacingMergeTree',
      familyArgs: 'version',
      // Tiny table read whole; the key only defines what "one record" is for merges.
      tail: 'ORDER BY id',
    }),
    ...createTable(layout, perShard, {
      name: 'api_keys',
      columns: 'id String, account_id String, hash String, body String, version UInt64',
      family: 'ReplacingMergeTree',
      familyArgs: 'version',
      // Keys are listed per account and looked up by hash (a small scan, cached in process).
      tail: 'ORDER BY (account_id, id)',
    }),
    ...createTable(layout, perShard, {
      name: 'meters',
      columns: 'id String, account_id String, body String, version UInt64',
      family: 'ReplacingMergeTree',
      familyArgs: 'version',
      // Meters are listed per account.
      tail: 'ORDER BY (account_id, id)',
    }),
  ];
}
