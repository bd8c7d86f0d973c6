import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import { COMMIT } from '../key-rows.js';
import { type Layout, localTable, shardingKey } from '../layout.js';
import { onCluster } from './ddl.js';

// Fenced writes for several Tally processes on one replicated cluster (`writers: 'coordinated'`;
// coordination/ holds the slot ownership through ZooKeeper). Only the replicated layout gets them:
// a single server or an unreplicated cluster serves one Tally process.
//
// - slot_fences: the newest epoch of each slot's owner. One ZooKeeper path for the whole cluster
//   and every node a replica, so each node can check a write against it locally.
// - incoming: what a coordinated process inserts, one statement per write: events, meter rows and
//   dedupe commits together (kind 1, 2, 3), each row with the slot and epoch it was written under,
//   sharded by account so that all rows of one event identity land on one shard together.
// - Three materialized views copy incoming rows into events, meter_rows and event_keys. 18.16 runs
//   a table's views in the order of their names, and stops at the first that throws: the first
//   one (`incoming_a_events`) refuses the whole block with throwIf when any row's epoch is not its
//   slot's newest, so a block written under an epoch that lost its slot lands in none of the
//   three, and a block that passed lands in all three (the later views do not check again, so a
//   fence that lands meanwhile cannot split it). Views do not cascade on 18.16, so all three read
//   `incoming_local` directly.

/** The incoming row's leading columns; then a meter-row block, an event block and a key block. */
export const INCOMING_HEAD = ['kind', 'slot', 'epoch', 'shard_account'] as const;

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

export const INCOMING_KEY_COLUMNS = ['k_account_id', 'k_source', 'k_id', 'k_token'] as const;

const DIMS = Array.from({ length: MAX_DIMENSIONS }, (_, i) => `g${i}`);

export function fencedWrites(layout: Layout, perShard: boolean): string[] {
  if (!layout.replicated || !layout.cluster) return [];
  const db = layout.database;
  const on = onCluster(layout, perShard);
  const incomingLocal = `${db}.incoming_local`;
  const fence = `throwIf(NOT ((slot, epoch) IN (SELECT slot, max(epoch) FROM ${db}.slot_fences GROUP BY slot)) AND epoch + 1 > 0) = 0`;
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.slot_fences${on} (slot UInt32, epoch UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/${db}/slot_fences', '{shard}-{replica}') ORDER BY slot`,
    `CREATE TABLE IF NOT EXISTS ${incomingLocal}${on} (kind UInt8, slot UInt32, epoch UInt64, shard_account String, account_id String, meter_id String, gen UInt64, time Int64, subject String, value Nullable(Float64), value_text Nullable(String), ${DIMS.map((g) => `${g} Nullable(String)`).join(', ')}, e_account_id String, e_id String, e_source String, e_type String, e_subject String, e_time Int64, e_ingested_at Int64, e_data String, k_account_id String, k_source String, k_id String, k_token String) ENGINE = Null`,
    `CREATE TABLE IF NOT EXISTS ${db}.incoming${on} AS ${incomingLocal} ENGINE = Distributed(${layout.cluster}, ${db}, incoming_local, ${shardingKey('incoming')})`,
    // `epoch + 1 > 0` keeps the condition from being folded to a constant when the view is
    // created (18.16 evaluates it once on an empty header, and throwIf would fire there).
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.incoming_a_events${on} TO ${db}.${localTable(layout, 'events')} AS SELECT e_account_id AS account_id, e_source AS source, e_id AS id, e_type AS type, e_subject AS subject, e_time AS time, e_ingested_at AS ingested_at, e_data AS data FROM ${incomingLocal} WHERE ${fence} AND kind = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.incoming_b_meter_rows${on} TO ${db}.${localTable(layout, 'meter_rows')} AS SELECT account_id, meter_id, gen, time, subject, value, value_text, ${DIMS.join(', ')} FROM ${incomingLocal} WHERE kind = 2`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.incoming_c_keys${on} TO ${db}.${localTable(layout, 'event_keys')} AS SELECT k_account_id AS account_id, k_source AS source, k_id AS id, k_token AS token, toUInt8(${COMMIT}) AS state, toInt64(0) AS at FROM ${incomingLocal} WHERE kind = 3`,
  ];
}
