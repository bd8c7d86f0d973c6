// The one place that talks to ClickHouse: `exec` runs a statement or a query, `insert` sends rows.
// Failures become domain errors here, so the rest of the store never sees a transport error.
import { Readable } from 'node:stream';
import {
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  type ClickHouseSettings,
  createClient,
} from '@clickhouse/client';
import { FencedWriteError, StoreUnavailableError as UnavailableError } from './unavailable.js';

/** Output settings pinned so 18.16 and current releases print the same JSON. */
const PINNED: ClickHouseSettings = {
  // 64-bit integers arrive as strings on every version; rows are converted in TypeScript.
  output_format_json_quote_64bit_integers: 1,
  // Values are inlined (no query parameters on 18.16), so long IN lists make long SQL; the
  // default 256 KiB limit would reject them.
  max_query_size: '16777216',
};

export interface ChConnection {
  readonly url: string;
  /** Runs SQL; for a SELECT returns its rows (JSONEachRow), otherwise an empty array. */
  exec<T = Record<string, unknown>>(sql: string, settings?: ClickHouseSettings): Promise<T[]>;
  /** Inserts rows as JSONEachRow into `table` (a name from the closed table list). */
  insert(table: string, rows: readonly object[], settings?: ClickHouseSettings): Promise<void>;
  /**
   * Inserts `body`, rows already rendered as TabSeparated (tsv.ts) in the order of `columns`, into
   * `table` (a name from the closed table list; columns from the store's own code).
   */
  insertTsv(
    table: string,
    columns: readonly string[],
    body: string,
    settings?: ClickHouseSettings,
  ): Promise<void>;
  close(): Promise<void>;
}

/** A backend for `@clickhouse/client` other than HTTP: in tests, in-process chDB (current ClickHouse). */
export type InjectedConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;
export type ConnectionFactory = () => InjectedConnection;

/**
 * A connection to the node at `url` (over HTTP), or through `inject` when given. `database` must
 * come from `makeLayout` (a checked identifier).
 */
export function connect(
  url: string,
  database?: string,
  inject?: ConnectionFactory,
  /** How long one request may take (the client's default: 30 s). */
  requestTimeoutMs?: number,
): ChConnection {
  const client: ClickHouseClient = inject
    ? createClient({ connection: inject(), clickhouse_settings: PINNED })
    : createClient({
        url,
        ...(database ? { database } : {}),
        max_open_connections: 16,
        clickhouse_settings: PINNED,
        ...(requestTimeoutMs === undefined ? {} : { request_timeout: requestTimeoutMs }),
      });
  // An injected in-process engine ignores the client's `database` option, and its session runs
  // one statement list at a time, so a `USE` sent in the same call scopes exactly that statement.
  // Inserts name the database instead.
  const scope = inject && database ? `USE ${database}; ` : '';
  const target = (table: string) => (inject && database ? `${database}.${table}` : table);
  return {
    url,
    async exec<T>(sql: string, settings?: ClickHouseSettings): Promise<T[]> {
      try {
        if (!/^\s*(SELECT|SHOW|DESCRIBE|EXISTS)\b/i.test(sql)) {
          await client.command({ query: scope + sql, clickhouse_settings: settings });
          return [];
        }
        const rs = await client.query({
          query: scope + sql,
          format: 'JSONEachRow',
          clickhouse_settings: settings,
        });
        return await rs.json<T>();
      } catch (err) {
        throw classify(err, sql);
      }
    },
    async insert(table: string, rows: readonly object[], settings?: ClickHouseSettings) {
      if (rows.length === 0) return;
      try {
        await retryQuorumBusy(settings, () =>
          client.insert({
            table: target(table),
            values: rows as object[],
            format: 'JSONEachRow',
            clickhouse_settings: settings,
          }),
        );
      } catch (err) {
        throw classify(err, `INSERT INTO ${table}`);
      }
    },
    async insertTsv(table, columns, body, settings) {
      if (body.length === 0) return;
      try {
        await retryQuorumBusy(settings, () =>
          client.insert({
            table: target(table),
            // A byte stream (not object mode) is passed through as the request body unchanged.
            values: Readable.from([Buffer.from(body)], { objectMode: false }),
            format: 'TabSeparated',
            columns: columns as [string, ...string[]],
            clickhouse_settings: settings,
          }),
        );
      } catch (err) {
        throw classify(err, `INSERT INTO ${table}`);
      }
    },
    close: () => client.close(),
  };
}

/** Codes that mean "the cluster cannot serve now" (worth a retry) rather than a bad statement. */
const TRANSIENT_CODES = new Set([
  // ATTEMPT_TO_READ_AFTER_EOF: 18.16's answer to a Distributed insert whose remote replica died
  // mid-insert ("while receiving packet from <host>"). Tally's own TSV never ends early, so here it
  // means a lost server, not a bad statement.
  '32',
  '159', // TIMEOUT_EXCEEDED
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '225', // NO_ZOOKEEPER: "ZooKeeper session has been expired" while ZooKeeper is away
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY: a replicated table without its ZooKeeper session (ZooKeeper away)
  '252', // TOO_MANY_PARTS
  '279', // ALL_CONNECTION_TRIES_FAILED
  '285', // TOO_FEW_LIVE_REPLICAS: insert_quorum cannot be met while a replica is down
  '286', // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE: see retryQuorumBusy
  // REPLICA_IS_NOT_IN_QUORUM: a replica that has not yet fetched the newest slot fence refuses a
  // coordinated write (select_sequential_consistency) until it has; see retryQuorumBusy
  '289',
  '319', // UNKNOWN_STATUS_OF_INSERT: the quorum wait timed out
  '999', // KEEPER_EXCEPTION: ZooKeeper connection lost during a replicated insert or its quorum wait
]);

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

/**
 * Unreachable servers and overload become UnavailableError (503 + Retry-After upstream); anything
 * else is a bug in generated SQL, so it stays an Error carrying the statement's first characters.
 */
export function classify(err: unknown, sql: string): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const codeText = serverCode(e);
  // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO from the fence view: the only throwIf in Tally's schema.
  if (codeText === '395' && e.message.includes('incoming_a_claims')) {
    return new FencedWriteError(`write refused by the slot fence: ${e.message.slice(0, 300)}`, 1);
  }
  // LOGICAL_ERROR that 18.16 raises now and then when a Distributed insert pushes into
  // materialized views (a server bug, fixed in later releases): the statement is fine, and sending
  // it again unchanged completes it (the views' tables drop the blocks they already hold).
  const threadGroupBug = codeText === '49' && e.message.includes('nullptr thread group');
  if (
    NETWORK_ERRORS.has(codeText) ||
    TRANSIENT_CODES.has(codeText) ||
    threadGroupBug ||
    /timeout/i.test(e.message)
  ) {
    return new UnavailableError(`ClickHouse unavailable: ${e.message}`, 1);
  }
  const wrapped = new Error(`ClickHouse rejected a statement: ${e.message} [${sql.slice(0, 200)}]`);
  wrapped.cause = e;
  return wrapped;
}

/**
 * The error's code: the client's parsed one (network errors, current servers), else the number in
 * 18.16's `Code: N, e.displayText() = ...` text, which the client's parser does not recognise.
 */
function serverCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  const m = /^Code: (\d+)\b/.exec(err instanceof Error ? err.message : String(err));
  return m?.[1] ?? '';
}

/**
 * How many times a quorum insert is sent in all before a refusal becomes a 503, by the code of the
 * refusal. 286: before `insert_quorum_parallel` (ClickHouse 20.10) a table takes one quorum insert
 * at a time per shard and refuses the others instead of queueing them. 289: a replica that has
 * not yet fetched the newest quorum-written part (the slot fence) refuses a coordinated write
 * (select_sequential_consistency); it fetches it within moments unless it is cut off, and then
 * the 503 after about 3 s of attempts stands (CI saw a single 289 on a loaded machine).
 */
export const QUORUM_RESEND_TRIES: Readonly<Record<string, number>> = { '286': 200, '289': 30 };

/**
 * Sends a quorum insert again while the server answers a refusal of QUORUM_RESEND_TRIES. Sending
 * the same rows again is safe whatever part of the block was stored: a Distributed insert splits
 * the same rows into the same per-shard blocks, and a replicated table ignores a block it already
 * holds (block dedupe), so every shard ends with the block exactly once. The pause only spaces the
 * attempts; nothing depends on its length.
 */
export async function retryQuorumBusy(
  settings: ClickHouseSettings | undefined,
  send: () => Promise<unknown>,
): Promise<void> {
  if (!settings?.insert_quorum) {
    await send();
    return;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (err) {
      if (attempt >= (QUORUM_RESEND_TRIES[serverCode(err)] ?? 0)) throw err;
      const pauseMs = Math.min(100, 2 ** Math.min(attempt, 7)) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
