import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import type { Layout } from '../layout.js';
import { createTable } from './ddl.js';

// Values and dimensions extracted per meter at ingest (or backfill), so queries never parse JSON.
// `gen` is the backfill generation: a replace writes a new generation and then switches
// meter_gens to it, which is what makes a replace atomic for readers.
export function meterRows(layout: Layout, perShard: boolean): string[] {
  const dims = Array.from({ length: MAX_DIMENSIONS }, (_, i) => `g${i} Nullable(String)`).join(
    ', ',
  );
  return createTable(layout, perShard, {
    name: 'meter_rows',
    columns: `account_id String, meter_id String, gen UInt64, time Int64, subject String, value Nullable(Float64), value_text Nullable(String), ${dims}`,
    family: 'MergeTree',
    // Monthly partitions by event time, as for events: range queries prune whole months.
    // ORDER BY (account_id, meter_id, gen, time): every usage query fixes account, meter and
    // generation and reads a time range, so the primary index narrows it to exactly that range.
    // Subject is not in the key: grouping by subject is common but filtering one subject over a
    // long range is not the dominant shape, and time-first keeps the range reads contiguous.
    tail: 'PARTITION BY toYYYYMM(toDateTime(intDiv(time, 1000))) ORDER BY (account_id, meter_id, gen, time)',
  });
}

// The active generation of each meter's rows. ReplacingMergeTree(gen) lets merges drop the old
// generations; readers take max(gen) so they are right before merges too.
export function meterGens(layout: Layout, perShard: boolean): string[] {
  return createTable(layout, perShard, {
    name: 'meter_gens',
    columns: 'meter_id String, gen UInt64',
    family: 'ReplacingMergeTree',
    familyArgs: 'gen',
    // One row per meter after merges; lookups are by meter id.
    tail: 'ORDER BY meter_id',
  });
}
