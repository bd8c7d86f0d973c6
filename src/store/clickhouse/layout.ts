// Where each table lives. Single server: every table is a plain MergeTree table. Cluster: every
// table exists as `<name>_local` on each shard plus a Distributed table `<name>` over them, so any
// node answers any query and the store always reads and writes `<name>`. Replicated cluster: the
// local tables are ReplicatedMergeTree, every replica of a shard holds them, and ZooKeeper/Keeper
// keeps the replicas in step.
import { checkIdentifier } from './quote.js';

/** The closed set of table names; nothing else is ever interpolated as a table identifier. */
export type TableName =
  | 'events'
  | 'meter_rows'
  | 'event_keys'
  | 'accounts'
  | 'api_keys'
  | 'meters'
  | 'records'
  | 'event_voids'
  | 'meter_gens'
  | 'incoming';

export interface Layout {
  database: string;
  /** Cluster name from the servers' `remote_servers`; undefined on a single server. */
  cluster?: string;
  /** Local engines are ReplicatedMergeTree with the servers' {shard}/{replica} macros. */
  replicated: boolean;
}

export function makeLayout(database: string, cluster?: string, replicated = false): Layout {
  // Replicated tables are created ON CLUSTER so that every replica gets them; without a cluster
  // only the node Tally talks to would, and its peers would never hold the data.
  if (replicated && !cluster) {
    throw new Error('replicated ClickHouse tables need a cluster (TALLY_CLICKHOUSE_CLUSTER)');
  }
  return {
    database: checkIdentifier(database, 'database'),
    ...(cluster ? { cluster: checkIdentifier(cluster, 'cluster') } : {}),
    replicated,
  };
}

/** The table queries and inserts use. */
export function tableFor(_layout: Layout, name: TableName): string {
  return name;
}

/** The table that physically holds the rows on one node (target of mutations). */
export function localTable(layout: Layout, name: TableName): string {
  return layout.cluster ? `${name}_local` : name;
}

/**
 * Sharding key of each Distributed table. Events, dedupe keys and metadata follow the account so
 * that one account's dedupe state and event listing live on one shard; meter rows spread by
 * (account, subject) so that one big account's queries use every shard.
 */
export function shardingKey(name: TableName): string {
  switch (name) {
    case 'events':
    case 'event_keys':
    case 'accounts':
    case 'api_keys':
    case 'meters':
    case 'records':
    case 'event_voids':
      return name === 'accounts' ? 'cityHash64(id)' : 'cityHash64(account_id)';
    case 'meter_rows':
      return 'cityHash64(account_id, subject)';
    case 'meter_gens':
      return 'cityHash64(meter_id)';
    case 'incoming':
      return 'cityHash64(shard_account)';
  }
}

/** The MergeTree-family engine clause for a local table on this layout. */
export function engine(
  layout: Layout,
  name: TableName,
  family: 'MergeTree' | 'ReplacingMergeTree',
  args = '',
): string {
  if (!layout.replicated) return `${family}(${args})`;
  const path = `'/clickhouse/tables/{shard}/${layout.database}/${localTable(layout, name)}'`;
  return `Replicated${family}(${[path, "'{replica}'", args].filter((a) => a !== '').join(', ')})`;
}

/**
 * Settings every insert carries, sent as URL parameters (18.16 rejects `INSERT ... SETTINGS`).
 * Cluster: `insert_distributed_sync=1`, so an insert returns only after every shard stored its
 * part of the block. Replicated: also `insert_quorum=2`, so it returns only after two replicas of
 * each shard hold it; an acknowledged event then survives the loss of any one replica, and every
 * replica a later read may be routed to already has it. The quorum wait is bounded
 * (`insert_quorum_timeout`, 18.16's default is 10 minutes) so that a stuck replica fails the flush
 * within the writer's own deadline instead of holding it.
 */
export function insertSettings(layout: Layout): Record<string, number> {
  if (!layout.cluster) return {};
  if (!layout.replicated) return { insert_distributed_sync: 1 };
  return { insert_distributed_sync: 1, insert_quorum: 2, insert_quorum_timeout: 60_000 };
}
