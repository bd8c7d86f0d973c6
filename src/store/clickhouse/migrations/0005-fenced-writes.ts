import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import { CLAIM, COMMIT } from '../key-rows.js';
import { type Layout, localTable, shardingKey } from '../layout.js';
import { onCluster } from './ddl.js';

// Fenced writes for several Tally processes on one replicated cluster (`writers: 'coordinated'`;
// coordination/ holds the slot ownership through ZooKeeper). Only the replicated layout gets them:
// a single server or an unreplicated cluster serves one Tally process.
//
// - slot_fences: the newest epoch of each slot's owner. One ZooKeeper path for the whole cluster
//   and every node a replica, so each node can check a write against it locally.
// - incoming: what a coordinated process inserts, one statement per write: events, meter rows and
//   dedupe keys together (kind 1, 2, 3), each row with the slot and epoch it was written under and
//   the write's token, sharded by account so that all rows of one account's part of a write land
//   on one shard together.
// - Four materialized views copy incoming rows into event_keys (a claim per identity, state 0),
//   events, meter_rows and event_keys again (the commit, state 1). 18.16 runs a table's views in
//   the order of their names and stops at the first that throws: the first one
//   (`incoming_a_claims`) refuses the whole block with throwIf when any row's epoch is not its
//   slot's newest, so a block written under an epoch that lost its slot lands nowhere. Views do not
//   cascade on 18.16, so all four read `incoming_local` directly.
// - A write that failed after its claims landed and before its commits did leaves claims without
//   commits: the slot's owner finds them when it next reads those identities, looks up which of
//   that write's parts are stored (events and meter rows carry `write_token` for it) and stores
//   only the rest (local-dedupe.ts, coordinated-writes.ts `landed`).

/** The incoming row's leading columns; then a meter-row block, an event block and a key block. */
export const INCOMING_HEAD = ['kind', 'slot', 'epoch', 'shard_account', 'write_token'] as const;

export const INCOMING_EVENT_COLUMNS = [
  'e_account_id',
  'e_id',
  'e_source',
  'e_type',
  'e_subject',
  'e_time',
  'e_ingested_at',
  'e_data',
] as const;

export const INCOMING_KEY_COLUMNS = ['k_account_id', 'k_source', 'k_id'] as const;

const DIMS = Array.from({ length: MAX_DIMENSIONS }, (_, i) => `g${i}`);

export function fencedWrites(layout: Layout, perShard: boolean): string[] {
  if (!layout.replicated || !layout.cluster) return [];
  const db = layout.database;
  const on = onCluster(layout, perShard);
  const incomingLocal = `${db}.incoming_local`;
  const fence = `throwIf(NOT ((slot, epoch) IN (SELECT slot, max(epoch) FROM ${db}.slot_fences GROUP BY slot)) AND epoch + 1 > 0) = 0`;
  const keys = `${db}.${localTable(layout, 'event_keys')}`;
  const keyColumns =
    'k_account_id AS account_id, k_source AS source, k_id AS id, write_token AS token';
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.slot_fences${on} (slot UInt32, epoch UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/${db}/slot_fences', '{shard}-{replica}') ORDER BY slot`,
    // Which write stored a row, so that the rows of a write that never committed can be deleted.
    // 18.16 has no ADD COLUMN IF NOT EXISTS; the migration runner accepts "already exists".
    `ALTER TABLE ${db}.${localTable(layout, 'events')}${on} ADD COLUMN write_token String DEFAULT ''`,
    `ALTER TABLE ${db}.${localTable(layout, 'meter_rows')}${on} ADD COLUMN write_token String DEFAULT ''`,
    `CREATE TABLE IF NOT EXISTS ${incomingLocal}${on} (kind UInt8, slot UInt32, epoch UInt64, shard_account String, write_token String, account_id String, meter_id String, gen UInt64, time Int64, subject String, value Nullable(Float64), value_text Nullable(String), ${DIMS.map((g) => `${g} Nullable(String)`).join(', ')}, e_account_id String, e_id String, e_source String, e_type String, e_subject String, e_time Int64, e_ingested_at Int64, e_data String, k_account_id String, k_source String, k_id String) ENGINE = Null`,
    `CREATE TABLE IF NOT EXISTS ${db}.incoming${on} AS ${incomingLocal} ENGINE = Distributed(${layout.cluster}, ${db}, incoming_local, ${shardingKey('incoming')})`,
    // `epoch + 1 > 0` keeps the condition from being folded to a constant when the view is
    // created (18.16 evaluates it once on an empty header, and throwIf would fire there).
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.incoming_a_claims${on} TO ${keys} AS SELECT ${keyColumns}, toUInt8(${CLAIM}) AS state, toInt64(0) AS at FROM ${incomingLocal} WHERE ${fence} AND kind = 3`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.incoming_b_events${on} TO ${db}.${localTable(layout, 'events')} AS SELECT e_account_id AS account_id, e_source AS source, e_id AS id, e_type AS type, e_subject AS subject, e_time AS time, e_ingested_at AS ingested_at, e_data AS data, write_token FROM ${incomingLocal} WHERE kind = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.incoming_c_meter_rows${on} TO ${db}.${localTable(layout, 'meter_rows')} AS SELECT account_id, meter_id, gen, time, subject, value, value_text, ${DIMS.join(', ')}, write_token FROM ${incomingLocal} WHERE kind = 2`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.incoming_d_commits${on} TO ${keys} AS SELECT ${keyColumns}, toUInt8(${COMMIT}) AS state, toInt64(0) AS at FROM ${incomingLocal} WHERE kind = 3`,
  ];
}
