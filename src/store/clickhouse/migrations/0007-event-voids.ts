import type { Layout } from '../layout.js';
import { createTable } from './ddl.js';

// Event versions taken out by corrections (compile/voids.ts). Small, read whole per account by the
// queries that leave voided versions out; sharded by account like the events.
export function eventVoids(layout: Layout, perShard: boolean): string[] {
  return createTable(layout, perShard, {
    name: 'event_voids',
    columns:
      'account_id String, source String, id String, ingested_at Int64, voided_at Int64, correction_id String',
    family: 'MergeTree',
    tail: 'ORDER BY (account_id, source, id)',
  });
}
