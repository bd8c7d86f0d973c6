import type { EventListQuery, EventMatch } from '../../ingest/stored-event.js';
import { notVoided } from './compile-voids.js';
import { lit, litList } from './sql-quote.js';

/** One condition of a listing; the column comes from the closed set of match fields. */
function matchExpr(m: EventMatch): string {
  const [first = ''] = m.values;
  switch (m.op) {
    case 'eq':
      return `${m.field} = ${lit(first)}`;
    case 'in':
      return m.values.length === 0 ? 'FALSE' : `${m.field} IN (${litList(m.values)})`;
    case 'like':
      return `${m.field} LIKE ${lit(first)}`;
    case 'ilike':
      return `${m.field} ILIKE ${lit(first)}`;
  }
}

/**
 * Event listing, newest first, ties by source then id, so that a position is a cursor. The
 * substring filters of the v1 listing take their text literally (`contains`, not LIKE).
 */
export function compileListEvents(q: EventListQuery): string {
  if (!Number.isInteger(q.limit) || q.limit < 0) throw new Error(`bad limit ${q.limit}`);
  const where = [`account_id = ${lit(q.accountId)}`];
  if (q.from !== undefined) where.push(`time >= ${lit(q.from)}`);
  if (q.to !== undefined) where.push(`time <= ${lit(q.to)}`);
  if (q.ingestedFrom !== undefined) where.push(`ingested_at >= ${lit(q.ingestedFrom)}`);
  if (q.ingestedTo !== undefined) where.push(`ingested_at <= ${lit(q.ingestedTo)}`);
  if (q.idContains) where.push(`contains(id, ${lit(q.idContains)})`);
  if (q.subjectContains) where.push(`contains(subject, ${lit(q.subjectContains)})`);
  if (q.subject !== undefined) where.push(`subject = ${lit(q.subject)}`);
  for (const m of q.match ?? []) where.push(matchExpr(m));
  where.push(notVoided());
  if (q.after) {
    const { time, source, id } = q.after;
    where.push(
      `(time < ${lit(time)} OR (time = ${lit(time)} AND (source > ${lit(source)} OR (source = ${lit(source)} AND id > ${lit(id)}))))`,
    );
  }
  return `SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE ${where.join(' AND ')} ORDER BY time DESC, source, id LIMIT ${lit(q.limit)}`;
}
