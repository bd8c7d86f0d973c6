// Result rows of the embedded store, decoded by column name: a column added to or moved in a
// query cannot shift the fields read after it. The usage names are the aliases compile-usage.ts
// and compile-estimate.ts give (w, k0.., c, s, mn, mx, lt_time, lt_value, u, p, e, v, g).
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { ApiKeyRecord } from '../../auth/account-and-key.js';
import type { StoredEvent } from '../../ingest/stored-event.js';
import type {
  CoverageRow,
  FirstSeenRow,
  NumericRow,
  UniqueRow,
} from '../../query/planned-query.js';

export type Row = Record<string, DuckDBValue>;

/** The columns `toEvent` reads, in the events table's names. */
export const EVENT_COLUMNS = 'account_id, id, source, type, subject, time, ingested_at, data';

/** The columns `toKey` reads. */
export const KEY_COLUMNS = 'id, account_id, kind, subject, hash, prefix, created_at, revoked_at';

export async function readRows(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await conn.runAndReadAll(sql)).getRowObjects();
}

export function num(v: DuckDBValue | undefined): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

export function numOrNull(v: DuckDBValue | undefined): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function str(v: DuckDBValue | undefined): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** The group keys k0..k{n-1} of a usage row. */
export function keysOf(r: Row, n: number): (string | null)[] {
  return Array.from({ length: n }, (_, i) => str(r[`k${i}`]));
}

export function toEvent(r: Row): StoredEvent {
  return {
    accountId: String(r.account_id),
    id: String(r.id),
    source: String(r.source),
    type: String(r.type),
    subject: String(r.subject),
    time: num(r.time),
    ingestedAt: num(r.ingested_at),
    data: String(r.data),
  };
}

export function toKey(r: Row): ApiKeyRecord {
  const k: ApiKeyRecord = {
    id: String(r.id),
    accountId: String(r.account_id),
    kind: String(r.kind) as ApiKeyRecord['kind'],
    hash: String(r.hash),
    prefix: String(r.prefix),
    createdAt: String(r.created_at),
  };
  if (r.subject !== null && r.subject !== undefined) k.subject = String(r.subject);
  if (r.revoked_at !== null && r.revoked_at !== undefined) k.revokedAt = String(r.revoked_at);
  return k;
}

export function toNumeric(r: Row, groups: number, latest: boolean): NumericRow {
  return {
    window: num(r.w),
    keys: keysOf(r, groups),
    count: num(r.c),
    sum: numOrNull(r.s) ?? 0,
    min: numOrNull(r.mn),
    max: numOrNull(r.mx),
    latestTime: latest ? numOrNull(r.lt_time) : null,
    latest: latest ? numOrNull(r.lt_value) : null,
  };
}

export function toUnique(r: Row, groups: number): UniqueRow {
  return { window: num(r.w), keys: keysOf(r, groups), uniques: num(r.u) };
}

export function toFirstSeen(r: Row, groups: number): FirstSeenRow {
  return { period: num(r.p), window: num(r.w), keys: keysOf(r, groups), count: num(r.c) };
}

export function toCoverage(r: Row, groups: number): CoverageRow {
  return { start: num(r.s), end: num(r.e), keys: keysOf(r, groups), count: num(r.c) };
}
