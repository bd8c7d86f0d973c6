import { checkShape, decodeAt, type LogRecord, MAGIC } from './ingest-log-record.js';

/** A stretch of a segment file: an intact record, or bytes that are not one. */
export type Piece =
  | { type: 'record'; offset: number; end: number; record: LogRecord }
  | {
      type: 'damage';
      offset: number;
      end: number;
      reason: string;
      /**
       * Damage that reaches the end of the file and is only the beginning of a record (possibly
       * followed by zero bytes, as a file extended but never written after a power loss leaves
       * it): an append that never completed, so was never acknowledged.
       */
      torn: boolean;
      /**
       * At the end of a file: the last sequence number of an acknowledged record these bytes can
       * hold, when a trustworthy header says so (for torn bytes: the number before the torn
       * record's); null when unknown.
       */
      lastSeq: number | null;
      /** Torn bytes: the torn record's sequence number, when its header is complete. */
      tornSeq?: number;
    };

type Damage = Extract<Piece, { type: 'damage' }>;

/** Where the bytes end once trailing zero bytes are ignored (never before `from`). */
function endWithoutZeros(buf: Buffer, from: number): number {
  let end = buf.length;
  while (end > from && buf[end - 1] === 0) end--;
  return end;
}

/** Reads a segment in the framed format, resynchronising on the magic after damaged bytes. */
export function scanFramed(buf: Buffer): Piece[] {
  const pieces: Piece[] = [];
  let damage:
    | { offset: number; reason: string; last?: { seq: number; end: number; start: number } }
    | undefined;
  const closeDamage = (end: number) => {
    if (!damage) return;
    pieces.push({
      type: 'damage',
      offset: damage.offset,
      end,
      reason: damage.reason,
      torn: false,
      lastSeq: null,
    });
    damage = undefined;
  };
  let pos = 0;
  while (pos < buf.length) {
    const d = decodeAt(buf, pos);
    if (d.ok) {
      closeDamage(pos);
      pieces.push({ type: 'record', offset: pos, end: d.end, record: d.record });
      pos = d.end;
      continue;
    }
    damage ??= { offset: pos, reason: d.reason };
    if (d.header) damage.last = { ...d.header, start: pos };
    const next = buf.indexOf(MAGIC, pos + 1);
    pos = next < 0 ? buf.length : next;
  }
  if (damage) {
    const end = endWithoutZeros(buf, damage.offset);
    const last = damage.last;
    if (last && last.start > damage.offset && last.end > end) {
      // Damaged bytes, then a record whose header holds but whose end is missing: report the
      // damage, and let the incomplete record be judged as a torn tail on its own.
      closeDamage(last.start);
      damage = { offset: last.start, reason: `record seq ${last.seq} is incomplete`, last };
    }
    const first = decodeAt(buf.subarray(0, end), damage.offset);
    const torn = !first.ok && first.partial;
    let lastSeq: number | null = null;
    if (torn) lastSeq = first.header ? first.header.seq - 1 : null;
    else if (last && last.end === end) lastSeq = last.seq;
    else if (last && last.end > end) lastSeq = last.seq - 1;
    const piece: Damage = {
      type: 'damage',
      offset: damage.offset,
      end: buf.length,
      reason: damage.reason,
      torn,
      lastSeq,
    };
    if (torn && first.header) piece.tornSeq = first.header.seq;
    pieces.push(piece);
  }
  return pieces;
}

const LEGACY_START = Buffer.from('{"seq":');

/** A line of the old format (one JSON record per line): the record, or why it is not one. */
function legacyLine(buf: Buffer, start: number, end: number): LogRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(buf.subarray(start, end).toString('utf8'));
  } catch {
    const seq = /^\{"seq":(\d+)/.exec(buf.subarray(start, Math.min(end, start + 32)).toString());
    return `unreadable JSON line${seq ? ` (starts like record seq ${seq[1]})` : ''}`;
  }
  const shape = checkShape(value);
  if ('record' in shape) return shape.record;
  const seq = (value as { seq?: unknown } | null)?.seq;
  return `${typeof seq === 'number' ? `record seq ${seq}: ` : ''}${shape.problem}`;
}

/**
 * Reads a segment written by versions before the framed format: one JSON record per line. A
 * failed append of those versions left a partial line that the next record continued, so a bad
 * line is searched for a record starting inside it. The lines carry no checksum, so at the end of
 * the log their sequence numbers are not trusted (lastSeq stays unknown).
 */
export function scanLegacy(buf: Buffer): Piece[] {
  const pieces: Piece[] = [];
  const damage = (offset: number, end: number, reason: string, torn: boolean) => {
    const prev = pieces[pieces.length - 1];
    if (prev?.type === 'damage' && prev.end === offset) {
      pieces[pieces.length - 1] = { ...prev, end, torn };
      return;
    }
    pieces.push({ type: 'damage', offset, end, reason, torn, lastSeq: null });
  };
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const lineEnd = nl < 0 ? buf.length : nl;
    const next = nl < 0 ? buf.length : nl + 1;
    if (lineEnd === pos) {
      pos = next;
      continue;
    }
    const whole = legacyLine(buf, pos, lineEnd);
    if (typeof whole !== 'string') {
      pieces.push({ type: 'record', offset: pos, end: next, record: whole });
      pos = next;
      continue;
    }
    let found = false;
    for (let at = buf.indexOf(LEGACY_START, pos + 1); at >= 0 && at < lineEnd; ) {
      const inner = legacyLine(buf, at, lineEnd);
      if (typeof inner !== 'string') {
        damage(pos, at, whole, false);
        pieces.push({ type: 'record', offset: at, end: next, record: inner });
        found = true;
        break;
      }
      at = buf.indexOf(LEGACY_START, at + 1);
    }
    if (!found) {
      // A last line without its newline was being written when the process stopped.
      damage(pos, next, whole, nl < 0);
    }
    pos = next;
  }
  return pieces;
}

/** Framed segments contain the magic; anything else starting with '{' is the old format. */
export function isLegacy(buf: Buffer): boolean {
  return buf.length > 0 && buf[0] === 0x7b && buf.indexOf(MAGIC) < 0;
}
