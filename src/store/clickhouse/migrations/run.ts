// Applies pending migrations and records them in the ledger table `tally_migrations`.
// Every statement is idempotent (IF NOT EXISTS), so two processes starting at once are safe:
// both may run a migration, and the ledger then holds it twice, which readers tolerate.
import type { ChConnection } from '../client.js';
import type { Layout } from '../layout.js';
import { lit } from '../quote.js';
import { onCluster } from './ddl.js';
import { MIGRATIONS } from './index.js';

/**
 * Migrates every node in `nodes`. With several nodes (one per shard) each gets the local and
 * Distributed tables; with one node on a cluster the DDL goes ON CLUSTER.
 *
 * A replicated layout always migrates ON CLUSTER, through the first node only: the nodes given
 * are one per shard, but every replica of every shard needs the tables, and the servers' DDL queue
 * (in ZooKeeper/Keeper, which replication needs anyway) reaches them all. A statement returns once
 * every host ran it; a host that is down runs it from the queue when it is back, but the statement
 * fails first (distributed_ddl_task_timeout), so a migration needs every replica up.
 */
export async function migrate(nodes: readonly ChConnection[], layout: Layout): Promise<number[]> {
  const perShard = !layout.cluster || (nodes.length > 1 && !layout.replicated);
  const targets = layout.replicated ? nodes.slice(0, 1) : nodes;
  const applied: number[] = [];
  for (const node of targets) {
    const db = layout.database;
    // A database that has every migration needs no DDL: a restart does not wait for the cluster's
    // DDL queue, which needs every host up and is slow on a loaded cluster.
    const ledger = await appliedVersions(node, db);
    if (ledger && MIGRATIONS.every((m) => ledger.has(m.version))) continue;
    const on = onCluster(layout, perShard);
    await node.exec(`CREATE DATABASE IF NOT EXISTS ${db}${on}`);
    await node.exec(
      `CREATE TABLE IF NOT EXISTS ${db}.tally_migrations${on} (version UInt32, name String, applied_at Int64) ENGINE = ${ledgerEngine(layout)} ORDER BY version`,
    );
    // The ledger read above, or (it did not exist) the one another process may have filled since.
    const have = ledger ?? (await appliedVersions(node, db)) ?? new Set<number>();
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      for (const sql of m.statements(layout, perShard)) await runIdempotent(node, sql);
      await node.exec(
        `INSERT INTO ${db}.tally_migrations (version, name, applied_at) VALUES (${lit(m.version)}, ${lit(m.name)}, ${lit(Date.now())})`,
      );
      if (!applied.includes(m.version)) applied.push(m.version);
    }
  }
  return applied;
}

/** The versions the ledger holds, or undefined when there is no ledger (or no database) yet. */
async function appliedVersions(node: ChConnection, db: string): Promise<Set<number> | undefined> {
  try {
    const rows = await node.exec<{ version: number }>(
      `SELECT DISTINCT version FROM ${db}.tally_migrations`,
    );
    return new Set(rows.map((r) => Number(r.version)));
  } catch (err) {
    // UNKNOWN_TABLE (60), UNKNOWN_DATABASE (81): not migrated yet. The code is in the server's
    // text (18.16 over HTTP) or only in the cause (chDB), so both are read.
    const text = `${String(err)} ${String((err as { cause?: unknown }).cause ?? '')}`;
    if (/Code: (60|81)\b|(Database|Table) \S+ (doesn't|does not) exist/.test(text))
      return undefined;
    throw err;
  }
}

/**
 * The ledger's engine. Replicated: one ZooKeeper path for the whole cluster (not per shard) and
 * every node a replica of it, so a Tally process that talks to any node sees what was applied
 * through any other, instead of applying everything again ON CLUSTER.
 */
function ledgerEngine(layout: Layout): string {
  if (!layout.replicated) return 'MergeTree()';
  return `ReplicatedMergeTree('/clickhouse/tables/all/${layout.database}/tally_migrations', '{shard}-{replica}')`;
}

/**
 * Runs one migration statement. 18.16 has no `ADD COLUMN IF NOT EXISTS`: a column another process
 * added first (two processes migrating at once) is accepted as done.
 */
async function runIdempotent(node: ChConnection, sql: string): Promise<void> {
  try {
    await node.exec(sql);
  } catch (err) {
    if (/ADD COLUMN/.test(sql) && /column with this name already exists/.test(String(err))) return;
    throw err;
  }
}
