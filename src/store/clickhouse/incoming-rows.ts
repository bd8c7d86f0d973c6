// The body of a coordinated write: events, meter rows and dedupe keys as rows of the one
// `incoming` table (migrations/0005-fenced-writes.ts), each tagged with its slot, epoch and write
// token. A row
// fills its own block of columns and leaves the other blocks empty, so the events and meter-row
// renderers of rows.ts serve unchanged.
import { MAX_DIMENSIONS } from '../../meter/meter-definition.js';
import {
  INCOMING_EVENT_COLUMNS,
  INCOMING_HEAD,
  INCOMING_KEY_COLUMNS,
} from './migrations/0005-fenced-writes.js';
import { METER_ROW_COLUMNS } from './rows.js';
import { tsvString } from './tsv.js';

export const INCOMING_COLUMNS = [
  ...INCOMING_HEAD,
  ...METER_ROW_COLUMNS,
  ...INCOMING_EVENT_COLUMNS,
  ...INCOMING_KEY_COLUMNS,
] as const;

export const INCOMING_EVENT = 1;
export const INCOMING_METER_ROW = 2;
export const INCOMING_KEY = 3;

/** Empty blocks: strings empty, integers 0, nullable columns NULL. */
const NO_METER_ROW = `\t\t0\t0\t\t\\N\t\\N${'\t\\N'.repeat(MAX_DIMENSIONS)}`;
const NO_EVENT = '\t\t\t\t\t0\t0\t';
const NO_KEY = '\t\t';

/** Where a row is written: the slot of its account and the epoch its owner holds the slot under. */
export interface Fence {
  slot: number;
  /** A ZooKeeper transaction id, in decimal (it may exceed 2^53). */
  epoch: string;
}

/** Where and under which write token a row is written. */
export interface RowTag {
  fence: Fence;
  accountId: string;
  /** The write's token: its claim and commit rows, and its events' and meter rows' write_token. */
  token: string;
}

function head(kind: number, t: RowTag): string {
  return `${kind}\t${t.fence.slot}\t${t.fence.epoch}\t${tsvString(t.accountId)}\t${tsvString(t.token)}\t`;
}

/** An events line of rows.ts (`eventTsv`) as an incoming row. */
export function incomingEvent(t: RowTag, eventLine: string): string {
  return `${head(INCOMING_EVENT, t)}${NO_METER_ROW}\t${eventLine.slice(0, -1)}\t${NO_KEY}\n`;
}

/** A meter_rows line of rows.ts (`meterRowTsv`) as an incoming row. */
export function incomingMeterRow(t: RowTag, rowLine: string): string {
  return `${head(INCOMING_METER_ROW, t)}${rowLine.slice(0, -1)}\t${NO_EVENT}\t${NO_KEY}\n`;
}

/** One identity's claim and commit (the views make both from this row). */
export function incomingKey(t: RowTag, key: { source: string; id: string }): string {
  return `${head(INCOMING_KEY, t)}${NO_METER_ROW}\t${NO_EVENT}\t${tsvString(t.accountId)}\t${tsvString(key.source)}\t${tsvString(key.id)}\n`;
}
