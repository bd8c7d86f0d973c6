// Conversions between port types and the JSON rows ClickHouse reads and writes. 64-bit integers
// arrive as strings (output_format_json_quote_64bit_integers=1 is pinned), hence Number().
import { MAX_DIMENSIONS, type RowWithEvent, type StoredEvent } from '../ports.js';

export interface EventJson {
  account_id: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string | number;
  ingested_at: string | number;
  data: string;
}

export function eventToJson(e: StoredEvent): EventJson {
  return {
    account_id: e.accountId,
    id: e.id,
    source: e.source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    ingested_at: e.ingestedAt,
    data: e.data,
  };
}

export function eventFromJson(r: EventJson): StoredEvent {
  return {
    accountId: r.account_id,
    id: r.id,
    source: r.source,
    type: r.type,
    subject: r.subject,
    time: Number(r.time),
    ingestedAt: Number(r.ingested_at),
    data: r.data,
  };
}

/** A meter_rows row; dimension slots beyond the meter's are omitted and default to NULL. */
export function meterRowToJson(
  accountId: string,
  gen: number,
  row: RowWithEvent,
): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {
    account_id: accountId,
    meter_id: row.meterId,
    gen,
    time: row.time,
    subject: row.subject,
    value: row.value,
    value_text: row.valueText,
  };
  const n = Math.min(row.dims.length, MAX_DIMENSIONS);
  for (let i = 0; i < n; i++) out[`g${i}`] = row.dims[i] ?? null;
  return out;
}

/** Group keys k0..k(n-1) of a result row. */
export function keysOf(r: Record<string, unknown>, n: number): (string | null)[] {
  const keys: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const v = r[`k${i}`];
    keys.push(v === null || v === undefined ? null : String(v));
  }
  return keys;
}

export function num(v: unknown): number {
  return Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
