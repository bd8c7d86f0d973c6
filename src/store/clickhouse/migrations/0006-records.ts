import type { Layout } from '../layout.js';
import { createTable } from './ddl.js';

// Per-account documents of the features around usage (ports.ts, RecordRepo), versioned like the
// metadata of migration 4: readers take the newest version per record, and a deletion is a newer
// version with `deleted = 1`.
export function records(layout: Layout, perShard: boolean): string[] {
  return createTable(layout, perShard, {
    name: 'records',
    columns:
      'collection String, account_id String, id String, body String, deleted UInt8, version UInt64',
    family: 'ReplacingMergeTree',
    familyArgs: 'version',
    tail: 'ORDER BY (collection, account_id, id)',
  });
}
