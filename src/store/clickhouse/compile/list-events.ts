import type { EventListQuery, EventMatch } from '../../../ingest/stored-event.js';
import { lit, litList } from '../quote.js';
import { notVoided } from './voids.js';

export const EVENT_COLUMNS = 'account_id, id, source, type, subject, time, ingested_at, data';

/**
 * Raw events are read one row per identity: in `single` writers mode a write that failed part way
 * (18.16 has no multi-table transaction) in a process that then died is written again by the
 * client's retry, which can leave a second events row of one identity (docs/clickhouse.md, "Not
 * guaranteed"); listings and backfills must not show or count it twice.
 */
const ONE_PER_IDENTITY = 'LIMIT 1 BY source, id';

/**
 * One condition of a listing; the column comes from the closed set of match fields. 18.16 has no
 * ILIKE: both sides lowered (lower() is ASCII-only there, as ILIKE's folding is in later releases).
 */
function matchExpr(m: EventMatch): string {
  const [first = ''] = m.values;
  switch (m.op) {
    case 'eq':
      return `${m.field} = ${lit(first)}`;
    case 'in':
      return m.values.length === 0 ? '0' : `${m.field} IN (${litList(m.values)})`;
    case 'like':
      return `like(${m.field}, ${lit(first)})`;
    case 'ilike':
      return `like(lower(${m.field}), lower(${lit(first)}))`;
  }
}

/**
 * One account's events, newest first (ties by source, then id, so that a position is a cursor),
 * with optional time, ingest-time, substring and match filters. position() is a plain
 * byte-substring test (no LIKE), so `%` and `_` in the v1 needles are data.
 */
export function listEventsSql(q: EventListQuery): string {
  if (!Number.isInteger(q.limit) || q.limit < 0) throw new Error(`bad limit ${q.limit}`);
  const parts = [`account_id = ${lit(q.accountId)}`];
  if (q.from !== undefined) parts.push(`time >= ${lit(q.from)}`);
  // Upper bounds of a listing are inclusive, as in the embedded store.
  if (q.to !== undefined) parts.push(`time <= ${lit(q.to)}`);
  if (q.ingestedFrom !== undefined) parts.push(`ingested_at >= ${lit(q.ingestedFrom)}`);
  if (q.ingestedTo !== undefined) parts.push(`ingested_at <= ${lit(q.ingestedTo)}`);
  if (q.idContains) parts.push(`position(id, ${lit(q.idContains)}) > 0`);
  if (q.subjectContains) {
    parts.push(`position(subject, ${lit(q.subjectContains)}) > 0`);
  }
  if (q.subject !== undefined) parts.push(`subject = ${lit(q.subject)}`);
  for (const m of q.match ?? []) parts.push(matchExpr(m));
  parts.push(notVoided(q.accountId));
  if (q.after) {
    const { time, source, id } = q.after;
    parts.push(
      `(time < ${lit(time)} OR (time = ${lit(time)} AND (source > ${lit(source)} OR (source = ${lit(source)} AND id > ${lit(id)}))))`,
    );
  }
  return `SELECT ${EVENT_COLUMNS} FROM events WHERE ${parts.join(' AND ')} ORDER BY time DESC, source, id ${ONE_PER_IDENTITY} LIMIT ${lit(q.limit)}`;
}

/** One page of an account's events of one type, in (time, source, id) order after a cursor. */
export function scanEventsSql(
  accountId: string,
  eventType: string,
  after: { time: number; source: string; id: string } | undefined,
  limit: number,
): string {
  const parts = [
    `account_id = ${lit(accountId)}`,
    `type = ${lit(eventType)}`,
    notVoided(accountId),
  ];
  if (after) {
    parts.push(
      `(time > ${lit(after.time)} OR (time = ${lit(after.time)} AND (source > ${lit(after.source)} OR (source = ${lit(after.source)} AND id > ${lit(after.id)}))))`,
    );
  }
  return `SELECT ${EVENT_COLUMNS} FROM events WHERE ${parts.join(' AND ')} ORDER BY time, source, id ${ONE_PER_IDENTITY} LIMIT ${lit(limit)}`;
}
