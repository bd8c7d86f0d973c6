import type { Layout } from '../layout.js';
import { createTable } from './ddl.js';

// Raw events, kept verbatim: the source of truth for listing and for meter backfill.
export function events(layout: Layout, perShard: boolean): string[] {
  return createTable(layout, perShard, {
    name: 'events',
    columns:
      'account_id String, source String, id String, type String, subject String, time Int64, ingested_at Int64, data String',
    family: 'MergeTree',
    // Monthly partitions by event time: old months can be dropped or moved as a unit, and a
    // time-range read touches only its months. toDateTime over whole seconds works on 18.16 and
    // on current releases alike (no DateTime64 on 18.16).
    // ORDER BY (account_id, type, time): backfill scans one account's events of one type in time
    // order, and listing reads one account's newest events; both are prefix ranges of this key.
    tail: 'PARTITION BY toYYYYMM(toDateTime(intDiv(time, 1000))) ORDER BY (account_id, type, time)',
  });
}
