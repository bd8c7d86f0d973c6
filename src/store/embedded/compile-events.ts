import type { EventListQuery } from '../../ingest/stored-event.js';
import { lit } from './sql-quote.js';

/** Event listing, newest first. LIKE wildcards in the search text are escaped. */
export function compileListEvents(q: EventListQuery): string {
  const where = [`account_id = ${lit(q.accountId)}`];
  if (q.from !== undefined) where.push(`time >= ${lit(q.from)}`);
  if (q.to !== undefined) where.push(`time <= ${lit(q.to)}`);
  if (q.ingestedFrom !== undefined) where.push(`ingested_at >= ${lit(q.ingestedFrom)}`);
  if (q.ingestedTo !== undefined) where.push(`ingested_at <= ${lit(q.ingestedTo)}`);
  if (q.idContains) where.push(`contains(id, ${lit(q.idContains)})`);
  if (q.subjectContains) where.push(`contains(subject, ${lit(q.subjectContains)})`);
  if (q.subject !== undefined) where.push(`subject = ${lit(q.subject)}`);
  return `SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE ${where.join(' AND ')} ORDER BY time DESC, id LIMIT ${lit(q.limit)}`;
}
