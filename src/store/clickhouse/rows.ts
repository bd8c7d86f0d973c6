// Conversions between port types and the JSON rows ClickHouse reads and writes. 64-bit integers
// arrive as strings (output_format_json_quote_64bit_integers=1 is pinned), hence Number().

import type { StoredEvent } from '../../ingest/stored-event.js';
import { MAX_DIMENSIONS, type RowWithEvent } from '../../meter/meter-definition.js';
import { tsvInt, tsvNullableFloat, tsvNullableString, tsvString } from './tsv.js';

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

/** The columns of `eventTsv`, in its order. */
export const EVENT_COLUMNS = [
  'account_id',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'ingested_at',
  'data',
] as const;

/** One events row as a TabSeparated line (the ingest path; see tsv.ts). */
export function eventTsv(e: StoredEvent): string {
  return `${tsvString(e.accountId)}\t${tsvString(e.id)}\t${tsvString(e.source)}\t${tsvString(e.type)}\t${tsvString(e.subject)}\t${tsvInt(e.time)}\t${tsvInt(e.ingestedAt)}\t${tsvString(e.data)}\n`;
}

/** The columns of `meterRowTsv`, in its order: every dimension slot, unused ones NULL. */
export const METER_ROW_COLUMNS = [
  'account_id',
  'meter_id',
  'gen',
  'time',
  'subject',
  'value',
  'value_text',
  ...Array.from({ length: MAX_DIMENSIONS }, (_, i) => `g${i}`),
] as const;

/**
 * One meter_rows row as a TabSeparated line. `head` is the row's first five fields already
 * rendered (account, meter, generation, time, subject: shared by an event's rows), from
 * `meterRowHead`.
 */
export function meterRowTsv(head: string, row: MeterRowValues): string {
  let line = `${head}\t${tsvNullableFloat(row.value)}\t${tsvNullableString(row.valueText)}`;
  const n = Math.min(row.dims.length, MAX_DIMENSIONS);
  for (let i = 0; i < n; i++) line += `\t${tsvNullableString(row.dims[i])}`;
  return `${line}${NULL_DIMS[MAX_DIMENSIONS - n]}\n`;
}

export function meterRowHead(
  accountId: string,
  meterId: string,
  gen: number,
  time: number,
  subject: string,
): string {
  return `${tsvString(accountId)}\t${tsvString(meterId)}\t${tsvInt(gen)}\t${tsvInt(time)}\t${tsvString(subject)}`;
}

interface MeterRowValues {
  value: number | null;
  valueText: string | null;
  dims: readonly (string | null)[];
}

/** NULL_DIMS[k]: k trailing NULL dimension fields. */
const NULL_DIMS = Array.from({ length: MAX_DIMENSIONS + 1 }, (_, k) => '\t\\N'.repeat(k));

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
