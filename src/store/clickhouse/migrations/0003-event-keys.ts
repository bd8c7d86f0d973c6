import type { Layout } from '../layout.js';
import { createTable } from './ddl.js';

// Dedupe state shared by every Tally process: claims, commits and releases of event identities
// (account, source, id). See dedupe.ts for the protocol.
export function eventKeys(layout: Layout, perShard: boolean): string[] {
  return createTable(layout, perShard, {
    name: 'event_keys',
    // state: 0 claim, 1 commit, 2 release. at: the claimer's clock, epoch ms.
    columns: 'account_id String, source String, id String, token String, state UInt8, at Int64',
    family: 'MergeTree',
    // ORDER BY (account_id, source, id): the only read is "these identities of this account",
    // a point lookup per identity through the primary index. No partitioning: a duplicate may
    // arrive at any time, so every identity must stay in one searchable keyspace.
    tail: 'ORDER BY (account_id, source, id)',
  });
}
