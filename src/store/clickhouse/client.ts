// The one place that talks to ClickHouse: `exec` runs a statement or a query, `insert` sends rows.
// Failures become domain errors here, so the rest of the store never sees a transport error.
import { Readable } from 'node:stream';
import {
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  type ClickHouseSettings,
  createClient,
} from '@clickhouse/client';
import { StoreUnavailableError as UnavailableError } from './unavailable.js';

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
export function connect(url: string, database?: string, inject?: ConnectionFactory): ChConnection {
  const client: ClickHouseClient = inject
    ? createClient({ connection: inject(), clickhouse_settings: PINNED })
    : createClient({
        url,
        ...(database ? { database } : {}),
        max_open_connections: 16,
        clickhouse_settings: PINNED,
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
        await client.insert({
          table: target(table),
          values: rows as object[],
          format: 'JSONEachRow',
          clickhouse_settings: settings,
        });
      } catch (err) {
        throw classify(err, `INSERT INTO ${table}`);
      }
    },
    async insertTsv(table, columns, body, settings) {
      if (body.length === 0) return;
      try {
        await client.insert({
          table: target(table),
          // A byte stream (not object mode) is passed through as the request body unchanged.
          values: Readable.from([Buffer.from(body)], { objectMode: false }),
          format: 'TabSeparated',
          columns: columns as [string, ...string[]],
          clickhouse_settings: settings,
        });
      } catch (err) {
        throw classify(err, `INSERT INTO ${table}`);
      }
    },
    close: () => client.close(),
  };
}

/** Codes that mean "the cluster cannot serve now" (worth a retry) rather than a bad statement. */
const TRANSIENT_CODES = new Set([
  '159', // TIMEOUT_EXCEEDED
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '241', // MEMORY_LIMIT_EXCEEDED
  '252', // TOO_MANY_PARTS
  '279', // ALL_CONNECTION_TRIES_FAILED
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
  const code = (e as { code?: unknown }).code;
  const codeText = typeof code === 'string' || typeof code === 'number' ? String(code) : '';
  if (NETWORK_ERRORS.has(codeText) || TRANSIENT_CODES.has(codeText) || /timeout/i.test(e.message)) {
    return new UnavailableError(`ClickHouse unavailable: ${e.message}`, 1);
  }
  const wrapped = new Error(`ClickHouse rejected a statement: ${e.message} [${sql.slice(0, 200)}]`);
  wrapped.cause = e;
  return wrapped;
}
