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

/**
 * A result read column by column: one array per column instead of an object per row, which the
 * usage reads decode several times faster (a grouped answer has thousands of rows).
 */
export interface Columns {
  rows: number;
  /** The named column's values (empty when the result has no such column). */
  col(name: string): readonly DuckDBValue[];
}

const NO_VALUES: readonly DuckDBValue[] = [];

export async function readColumns(conn: DuckDBConnection, sql: string): Promise<Columns> {
  const reader = await conn.runAndReadAll(sql);
  const byName = reader.getColumnsObject();
  return { rows: reader.currentRowCount, col: (name) => byName[name] ?? NO_VALUES };
}

/** The group keys k0..k{n-1} of every row. */
function keyColumns(c: Columns, groups: number): (string | null)[][] {
  const keys: (string | null)[][] = Array.from({ length: c.rows }, () => []);
  for (let k = 0; k < groups; k++) {
    const col = c.col(`k${k}`);
    for (let i = 0; i < c.rows; i++) keys[i]?.push(str(col[i]));
  }
  return keys;
}

export function toNumeric(c: Columns, groups: number, latest: boolean): NumericRow[] {
  const [w, n, s, mn, mx, lt, lv] = [
    c.col('w'),
    c.col('c'),
    c.col('s'),
    c.col('mn'),
    c.col('mx'),
    c.col('lt_time'),
    c.col('lt_value'),
  ];
  const keys = keyColumns(c, groups);
  return keys.map((k, i) => ({
    window: num(w[i]),
    keys: k,
    count: num(n[i]),
    sum: numOrNull(s[i]) ?? 0,
    min: numOrNull(mn[i]),
    max: numOrNull(mx[i]),
    latestTime: latest ? numOrNull(lt[i]) : null,
    latest: latest ? numOrNull(lv[i]) : null,
  }));
}

export function toUnique(c: Columns, groups: number): UniqueRow[] {
  const [w, u] = [c.col('w'), c.col('u')];
  return keyColumns(c, groups).map((keys, i) => ({ window: num(w[i]), keys, uniques: num(u[i]) }));
}

export function toFirstSeen(c: Columns, groups: number): FirstSeenRow[] {
  const [p, w, n] = [c.col('p'), c.col('w'), c.col('c')];
  return keyColumns(c, groups).map((keys, i) => ({
    period: num(p[i]),
    window: num(w[i]),
    keys,
    count: num(n[i]),
  }));
}

export function toCoverage(c: Columns, groups: number): CoverageRow[] {
  const [s, e, n] = [c.col('s'), c.col('e'), c.col('c')];
  return keyColumns(c, groups).map((keys, i) => ({
    start: num(s[i]),
    end: num(e[i]),
    keys,
    count: num(n[i]),
  }));
}
