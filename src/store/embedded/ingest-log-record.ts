import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { IngestItem } from '../../ingest/stored-event.js';
import { MAX_DIMENSIONS } from '../../meter/meter-definition.js';

/** One acknowledged group of events, in the order it was made durable. */
export interface LogRecord {
  seq: number;
  items: IngestItem[];
}

/**
 * Framing of one record: a 24-byte header, then the record as JSON.
 *
 *   0  magic        F5 54 4C 47 (0xF5 never occurs in UTF-8, so never in a payload)
 *   4  length       u32 LE, payload bytes
 *   8  seq          u64 LE
 *   16 payload crc  u32 LE, CRC-32 of the payload
 *   20 header crc   u32 LE, CRC-32 of bytes 0..20
 *
 * The header has its own checksum so that a damaged length or sequence number is detected rather
 * than trusted, and the magic lets a reader find the next record after damaged bytes.
 */
export const MAGIC = Buffer.from([0xf5, 0x54, 0x4c, 0x47]);
export const HEADER_BYTES = 24;

// Only the fields the fold reads are checked; other fields pass through untouched.
const RowShape = z.looseObject({
  meterId: z.string(),
  value: z.number().nullable(),
  valueText: z.string().nullable(),
  dims: z.array(z.string().nullable()).max(MAX_DIMENSIONS),
});
const ItemShape = z.looseObject({
  event: z.looseObject({
    accountId: z.string(),
    id: z.string(),
    source: z.string(),
    type: z.string(),
    subject: z.string(),
    time: z.int(),
    ingestedAt: z.int(),
    data: z.string(),
  }),
  rows: z.array(RowShape),
});
const RecordShape = z.looseObject({ seq: z.int().positive(), items: z.array(ItemShape) });

/** The record, or why `value` (parsed JSON) is not one. */
export function checkShape(value: unknown): { record: LogRecord } | { problem: string } {
  const parsed = RecordShape.safeParse(value);
  if (parsed.success) return { record: value as LogRecord };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { problem: `wrong shape (${where}${issue?.message ?? 'invalid'})` };
}

export function encodeRecord(record: LogRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(record));
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(payload.length, 4);
  buf.writeBigUInt64LE(BigInt(record.seq), 8);
  buf.writeUInt32LE(crc32(payload), 16);
  buf.writeUInt32LE(crc32(buf.subarray(0, 20)), 20);
  payload.copy(buf, HEADER_BYTES);
  return buf;
}

export type Decoded =
  | { ok: true; record: LogRecord; end: number }
  | {
      ok: false;
      reason: string;
      /** From a header whose checksum holds (so it can be trusted), when there is one. */
      header?: { seq: number; end: number };
      /** The bytes are a beginning of a record that the buffer ends before completing. */
      partial: boolean;
    };

/** Decodes the record framed at `pos` of `buf` (which ends where the readable bytes end). */
export function decodeAt(buf: Buffer, pos: number): Decoded {
  const left = buf.length - pos;
  if (left < HEADER_BYTES) {
    const n = Math.min(left, MAGIC.length);
    const magicSoFar = buf.subarray(pos, pos + n).equals(MAGIC.subarray(0, n));
    return { ok: false, reason: 'incomplete record header', partial: magicSoFar };
  }
  if (!buf.subarray(pos, pos + MAGIC.length).equals(MAGIC)) {
    return { ok: false, reason: 'bytes that do not start a record', partial: false };
  }
  if (crc32(buf.subarray(pos, pos + 20)) !== buf.readUInt32LE(pos + 20)) {
    return { ok: false, reason: 'record header checksum mismatch', partial: false };
  }
  const length = buf.readUInt32LE(pos + 4);
  const bigSeq = buf.readBigUInt64LE(pos + 8);
  const seq = bigSeq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bigSeq) : -1;
  const end = pos + HEADER_BYTES + length;
  const header = { seq, end };
  if (end > buf.length) {
    return { ok: false, reason: `record seq ${seq} is incomplete`, header, partial: true };
  }
  const payload = buf.subarray(pos + HEADER_BYTES, end);
  if (crc32(payload) !== buf.readUInt32LE(pos + 16)) {
    return { ok: false, reason: `record seq ${seq}: checksum mismatch`, header, partial: false };
  }
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: `record seq ${seq}: payload is not JSON`, header, partial: false };
  }
  const shape = checkShape(value);
  if ('problem' in shape) {
    return { ok: false, reason: `record seq ${seq}: ${shape.problem}`, header, partial: false };
  }
  if (shape.record.seq !== seq) {
    const reason = `record seq ${seq}: payload says seq ${shape.record.seq}`;
    return { ok: false, reason, header, partial: false };
  }
  return { ok: true, record: shape.record, end };
}
