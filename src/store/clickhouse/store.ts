// The ClickHouse Store: one server or a sharded cluster, one Tally process or several at once.

import type { EventListQuery, StoredEvent } from '../../ingest/stored-event.js';
import type { RowWithEvent } from '../../meter/meter-definition.js';
import type {
  BaseUsageQuery,
  Bucketing,
  CoverageRow,
  DistinctValuesQuery,
  FirstSeenRow,
  GroupEstimateQuery,
  NumericRow,
  UniqueRow,
} from '../../query/planned-query.js';
import type { Store } from '../ports.js';
import { type ChConnection, type ConnectionFactory, connect } from './client.js';
import { aggregateNumericSql } from './compile/aggregate-numeric.js';
import { aggregateUniqueSql } from './compile/aggregate-unique.js';
import { distinctValuesSql } from './compile/distinct-values.js';
import { estimateGroupsSql, withRowLimit } from './compile/estimate-groups.js';
import { listEventsSql, scanEventsSql } from './compile/list-events.js';
import { uniqueCoverageSql } from './compile/unique-coverage.js';
import { uniqueFirstSeenSql } from './compile/unique-first-seen.js';
import { CoordinatedWrites, type CoordinationConfig } from './coordinated-writes.js';
import type { WritersMode } from './dedupe.js';
import type { Fence } from './incoming-rows.js';
import {
  insertSettings as insertSettingsFor,
  type Layout,
  localTable,
  makeLayout,
} from './layout.js';
import { LocalDedupe } from './local-dedupe.js';
import { Metadata } from './metadata.js';
import { MeterGens } from './meter-gens.js';
import { onCluster } from './migrations/ddl.js';
import { migrate } from './migrations/run.js';
import { lit } from './quote.js';
import { Records } from './records.js';
import { type EventJson, eventFromJson, keysOf, meterRowToJson, num, numOrNull } from './rows.js';
import { StoreUnavailableError as UnavailableError } from './unavailable.js';
import { Writer } from './writer.js';

export interface ClickHouseStoreConfig {
  /** HTTP URL of the node this process talks to (any node of a cluster). */
  url: string;
  database: string;
  /** Cluster name in the servers' remote_servers: enables Distributed tables. */
  cluster?: string;
  /**
   * HTTP URLs of one node per shard. DDL and cleanup mutations go to each of them directly; without
   * them a cluster's DDL is sent ON CLUSTER (which needs Keeper/ZooKeeper on the servers).
   */
  shards?: string[];
  /** ReplicatedMergeTree local tables (needs Keeper and {shard}/{replica} macros). */
  replicated?: boolean;
  /**
   * 'single' (default): this is the only Tally process writing to the database, and dedupe is
   * decided inside it without clocks (local-dedupe.ts). 'coordinated': several processes on a
   * replicated cluster, each account written by the owner of its slot in ZooKeeper
   * (coordinated-writes.ts); needs `coordination`.
   */
  writers?: WritersMode;
  coordination?: CoordinationConfig;
  /** Most events per insert flush (default 50 000). */
  maxBatchEvents?: number;
  /** Committed event identities remembered per process to answer resends at once (200 000). */
  recentKeys?: number;
  /**
   * A non-HTTP backend for the client (tests run the store on in-process chDB this way, a
   * current ClickHouse release); `url` is then only a label. Single-server layout only.
   */
  connection?: ConnectionFactory;
}

const SCAN_PAGE = 10_000;
const MIGRATION_TIMEOUT_MS = 200_000;
const EMIT_CHUNK = 50_000;

export async function createClickHouseStore(config: ClickHouseStoreConfig): Promise<Store> {
  const layout: Layout = makeLayout(config.database, config.cluster, config.replicated ?? false);
  const nodeUrls = config.cluster && config.shards?.length ? config.shards : [config.url];
  const inject = config.connection;
  // An ON CLUSTER statement returns once every host ran it from the DDL queue, which the server
  // allows up to distributed_ddl_task_timeout (180 s): the migration connections wait as long.
  const nodes = nodeUrls.map((u) => connect(u, undefined, inject, MIGRATION_TIMEOUT_MS));
  try {
    await migrate(nodes, layout);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
  const conn = connect(config.url, layout.database, inject);
  const admin = nodeUrls.map((u) => connect(u, layout.database, inject));
  // On a cluster an insert returns only after every shard stored its part of the block, and on a
  // replicated cluster after two replicas of each shard did (layout.ts insertSettings).
  const insertSettings = insertSettingsFor(layout);
  const coordinated = config.writers === 'coordinated';
  if (coordinated && (!layout.replicated || !config.coordination)) {
    throw new Error(
      "writers 'coordinated' needs a replicated cluster and a ZooKeeper (TALLY_CLICKHOUSE_REPLICATED, TALLY_ZOOKEEPER)",
    );
  }
  const coordination =
    coordinated && config.coordination
      ? await CoordinatedWrites.start(conn, layout, config.coordination, insertSettings)
      : undefined;
  const dedupe = new LocalDedupe(conn, insertSettings, coordination);
  const gens = new MeterGens(conn, insertSettings);
  const meta = new Metadata(conn, insertSettings);
  const writer = new Writer(conn, dedupe, (ids) => gens.current(ids), {
    maxEvents: config.maxBatchEvents ?? 50_000,
    concurrency: 4,
    maxFlushes: 16,
    recentKeys: config.recentKeys ?? 200_000,
    // A coordinated write is refused by a replica that lacks the newest quorum-written fence,
    // instead of being judged against an older one (coordinated-writes.ts). One thread: 18.16
    // reading the fence view's IN subquery on pool threads while it pushes into the views failed
    // 3-6 times per test run with "Attempt to attach to nullptr thread group" (a server bug);
    // with max_threads=1, 0 times in 4 runs. The subquery reads a table of at most one row per
    // slot and epoch.
    insertSettings: coordination
      ? { ...insertSettings, select_sequential_consistency: 1, max_threads: 1 }
      : insertSettings,
    ...(coordination
      ? {
          fenceOf: (account: string) => coordination.fenceOf(account),
          holds: (fence: Fence) => coordination.holds(fence),
        }
      : {}),
  });
  const readsRawEvents = await hasJsonFunctions(conn);
  const store = buildStore(layout, conn, admin, insertSettings, gens, meta, writer, readsRawEvents);
  if (!coordination) return store;
  return {
    ...store,
    append: (items) => {
      const account = items[0]?.event.accountId;
      return account === undefined
        ? store.append(items)
        : coordination.track(account, () => store.append(items));
    },
    placement: (accountId) => coordination.placement(accountId),
    async close() {
      await coordination.close();
      await store.close();
    },
  };
}

/** ClickHouse gained JSONType/JSONExtract* in 19.x; 18.16 answers "Unknown function". */
async function hasJsonFunctions(conn: ChConnection): Promise<boolean> {
  try {
    await conn.exec(`SELECT JSONType('{"a":1}', 'a') AS t`);
    return true;
  } catch (err) {
    if (/unknown function/i.test(String(err))) return false;
    throw err;
  }
}

function buildStore(
  layout: Layout,
  conn: ChConnection,
  admin: ChConnection[],
  insertSettings: Record<string, number>,
  gens: MeterGens,
  meta: Metadata,
  writer: Writer,
  readsRawEvents: boolean,
): Store {
  const perShard = admin.length > 1 || !layout.cluster;
  const records = new Records(conn, insertSettings);
  const cleanupTargets = perShard ? admin : admin.slice(0, 1);
  const rowsTable = `${layout.database}.${localTable(layout, 'meter_rows')}${onCluster(layout, perShard)}`;

  /**
   * Deletes a meter's rows of older generations. Housekeeping only: readers already take the
   * active generation, and the next cleanup of the meter deletes every older one, so a cluster too
   * busy to schedule the mutation now (its ON CLUSTER wait timed out) does not fail the meter's
   * create or edit, which has taken effect.
   */
  async function cleanup(meterId: string, keepGen: number): Promise<void> {
    const sql = MeterGens.cleanupSql(rowsTable, meterId, keepGen);
    await Promise.all(
      cleanupTargets.map((n) =>
        n.exec(sql).catch((err: unknown) => {
          if (!(err instanceof UnavailableError)) throw err;
        }),
      ),
    );
  }

  return {
    kind: 'clickhouse',
    readsRawEvents,

    append: (items) => writer.append(items),

    async listEvents(q: EventListQuery): Promise<StoredEvent[]> {
      const rows = await conn.exec<EventJson>(listEventsSql(q));
      return rows.map(eventFromJson);
    },

    // No transaction spans tables on ClickHouse: the replacements go first, so that a process
    // dying in between leaves both versions (the correction, resumed at start, adds the voids),
    // never an event voided and not replaced.
    async correctEvents(accountId, voids, replacements) {
      if (replacements.length > 0) {
        await conn.insert(
          'events',
          replacements.map((e) => ({
            account_id: e.accountId,
            source: e.source,
            id: e.id,
            type: e.type,
            subject: e.subject,
            time: e.time,
            ingested_at: e.ingestedAt,
            data: e.data,
          })),
          insertSettings,
        );
      }
      if (voids.length > 0) {
        await conn.insert(
          'event_voids',
          voids.map((v) => ({
            account_id: accountId,
            source: v.source,
            id: v.id,
            ingested_at: v.ingestedAt,
            voided_at: v.voidedAt,
            correction_id: v.correctionId,
          })),
          insertSettings,
        );
      }
    },
    async scanEvents(accountId, eventType, onBatch) {
      let after: { time: number; source: string; id: string } | undefined;
      for (;;) {
        const rows = await conn.exec<EventJson>(
          scanEventsSql(accountId, eventType, after, SCAN_PAGE),
        );
        if (rows.length === 0) return;
        const events = rows.map(eventFromJson);
        await onBatch(events);
        const last = events[events.length - 1];
        if (!last || rows.length < SCAN_PAGE) return;
        after = { time: last.time, source: last.source, id: last.id };
      }
    },

    async replaceMeterRows(meterId, accountId, produce) {
      await writer.exclusive(async () => {
        const gen = Math.max(nextGen(), (await gens.one(meterId)) + 1);
        await produce(async (rows: RowWithEvent[]) => {
          for (let i = 0; i < rows.length; i += EMIT_CHUNK) {
            const chunk = rows
              .slice(i, i + EMIT_CHUNK)
              .map((r) => meterRowToJson(accountId, gen, r));
            await conn.insert('meter_rows', chunk, insertSettings);
          }
        });
        await gens.activate(meterId, gen);
        await cleanup(meterId, gen);
      });
    },

    async deleteMeterRows(meterId) {
      await writer.exclusive(async () => {
        const gen = Math.max(nextGen(), (await gens.one(meterId)) + 1);
        await gens.activate(meterId, gen);
        await cleanup(meterId, gen);
      });
    },

    async aggregateNumeric(q: BaseUsageQuery): Promise<NumericRow[]> {
      const rows = await conn.exec(
        withRowLimit(aggregateNumericSql(q, await gens.one(q.meterId)), q.rowLimit),
      );
      return rows.map((r) => {
        const count = num(r.c);
        return {
          window: num(r.w),
          keys: keysOf(r, q.groupBy.length),
          count,
          sum: numOrNull(r.s) ?? 0,
          min: numOrNull(r.mn),
          max: numOrNull(r.mx),
          latest: count > 0 ? numOrNull(r.lv) : null,
          latestTime: count > 0 ? numOrNull(r.lt) : null,
        };
      });
    },

    async aggregateUnique(q: BaseUsageQuery): Promise<UniqueRow[]> {
      const rows = await conn.exec(
        withRowLimit(aggregateUniqueSql(q, await gens.one(q.meterId)), q.rowLimit),
      );
      return rows.map((r) => ({
        window: num(r.w),
        keys: keysOf(r, q.groupBy.length),
        uniques: num(r.u),
      }));
    },

    async uniqueFirstSeen(q: BaseUsageQuery, period: Bucketing): Promise<FirstSeenRow[]> {
      const rows = await conn.exec(
        withRowLimit(uniqueFirstSeenSql(q, period, await gens.one(q.meterId)), q.rowLimit),
      );
      return rows.map((r) => ({
        period: num(r.p),
        window: num(r.w),
        keys: keysOf(r, q.groupBy.length),
        count: num(r.c),
      }));
    },

    async uniqueCoverage(q: BaseUsageQuery, span: number): Promise<CoverageRow[]> {
      const rows = await conn.exec(
        withRowLimit(uniqueCoverageSql(q, span, await gens.one(q.meterId)), q.rowLimit),
      );
      return rows.map((r) => ({
        start: num(r.s),
        end: num(r.e),
        keys: keysOf(r, q.groupBy.length),
        count: num(r.c),
      }));
    },

    async distinctValues(q: DistinctValuesQuery): Promise<string[]> {
      const rows = await conn.exec<{ v: string }>(distinctValuesSql(q, await gens.one(q.meterId)));
      return rows.map((r) => String(r.v));
    },

    async estimateGroups(q: GroupEstimateQuery): Promise<number> {
      if (q.groupBy.length === 0) return 1;
      const [row] = await conn.exec<{ g: unknown }>(
        estimateGroupsSql(q, await gens.one(q.meterId)),
      );
      return num(row?.g ?? 0);
    },

    listMeters: (accountId, includeDeleted = false) => meta.listMeters(accountId, includeDeleted),
    listAllMeters: () => meta.listMeters(undefined, false),
    putMeter: (m) => meta.putMeter(m),
    listAccounts: () => meta.listAccounts(),
    putAccount: (a) => meta.putAccount(a),
    listKeys: (accountId) => meta.listKeys(accountId),
    findKeyByHash: (hash) => meta.findKeyByHash(hash),
    putKey: (k) => meta.putKey(k),
    listRecords: (collection, accountId) => records.listRecords(collection, accountId),
    getRecord: (collection, accountId, id) => records.getRecord(collection, accountId, id),
    putRecord: (r) => records.putRecord(r),
    deleteRecord: (collection, accountId, id) => records.deleteRecord(collection, accountId, id),

    async stats() {
      const [events] = await conn.exec<{ n: string }>('SELECT count() AS n FROM events');
      const perGen = await conn.exec<{ meter_id: string; gen: string; n: string }>(
        'SELECT meter_id, gen, count() AS n FROM meter_rows GROUP BY meter_id, gen',
      );
      const active = await gens.current([...new Set(perGen.map((r) => r.meter_id))]);
      const meterRows = perGen
        .filter((r) => Number(r.gen) === (active.get(r.meter_id) ?? 0))
        .reduce((s, r) => s + Number(r.n), 0);
      const bytesSql = `SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = ${lit(layout.database)}`;
      const bytes = await Promise.all(admin.map((n) => n.exec<{ b: string }>(bytesSql)));
      return {
        events: Number(events?.n ?? 0),
        meterRows,
        bytesOnDisk: bytes.reduce((s, r) => s + Number(r[0]?.b ?? 0), 0),
      };
    },

    async ping() {
      await conn.exec('SELECT 1 AS ok');
    },

    async close() {
      await Promise.all([conn.close(), ...admin.map((n) => n.close())]);
    },
  };
}

function nextGen(): number {
  return Date.now() * 1000;
}
