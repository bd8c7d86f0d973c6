// DDL helpers shared by the migrations. Frozen like the migrations themselves: a change here
// would change what an already-applied migration means, so new needs get new helpers.
import { engine, type Layout, localTable, shardingKey, type TableName } from '../layout.js';

/** ` ON CLUSTER x` when DDL is distributed by the servers (Keeper), else nothing. */
export function onCluster(layout: Layout, perShard: boolean): string {
  return layout.cluster && !perShard ? ` ON CLUSTER ${layout.cluster}` : '';
}

export interface TableSpec {
  name: TableName;
  columns: string;
  family: 'MergeTree' | 'ReplacingMergeTree';
  familyArgs?: string;
  /** PARTITION BY / ORDER BY / SETTINGS clauses, after ENGINE. */
  tail: string;
}

/** CREATE statements for one logical table: the local table, plus a Distributed one on a cluster. */
export function createTable(layout: Layout, perShard: boolean, spec: TableSpec): string[] {
  const db = layout.database;
  const local = localTable(layout, spec.name);
  const on = onCluster(layout, perShard);
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${db}.${local}${on} (${spec.columns}) ENGINE = ${engine(layout, spec.name, spec.family, spec.familyArgs)} ${spec.tail}`,
  ];
  if (layout.cluster) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${db}.${spec.name}${on} AS ${db}.${local} ENGINE = Distributed(${layout.cluster}, ${db}, ${local}, ${shardingKey(spec.name)})`,
    );
  }
  return statements;
}
