// The event explorer's listing: an OpenMeter-style JSON filter turned into a store listing, cursor
// pagination over the listing's order, and the "has problems" filter, which depends on the meters
// as they are now and is therefore applied here, over a bounded number of scanned events.
import type { EventFilter } from '../contract/event-explorer.js';
import { ValidationError } from '../errors/domain-errors.js';
import {
  EVENT_MATCH_FIELDS,
  type EventListQuery,
  type EventMatch,
  type EventPosition,
  type StoredEvent,
} from './stored-event.js';

/** Events read from the store per request at most while looking for ones with problems. */
export const PROBLEM_SCAN_LIMIT = 5_000;
const SCAN_CHUNK = 500;

type Bounds = NonNullable<EventFilter['time']>;

/** A time filter as inclusive integer bounds (ms); `gt`/`lt` move by one millisecond. */
function inclusive(b: Bounds | undefined): { from?: number; to?: number } {
  if (!b) return {};
  const lower = [b.$gte && Date.parse(b.$gte), b.$gt && Date.parse(b.$gt) + 1].filter(
    (v): v is number => typeof v === 'number',
  );
  const upper = [b.$lte && Date.parse(b.$lte), b.$lt && Date.parse(b.$lt) - 1].filter(
    (v): v is number => typeof v === 'number',
  );
  return {
    ...(lower.length > 0 ? { from: Math.max(...lower) } : {}),
    ...(upper.length > 0 ? { to: Math.min(...upper) } : {}),
  };
}

/** The store listing a filter asks for (without account, limit and cursor). */
export function listingOf(f: EventFilter): Omit<EventListQuery, 'accountId' | 'limit'> {
  const match: EventMatch[] = [];
  for (const field of EVENT_MATCH_FIELDS) {
    const c = f[field];
    if (!c) continue;
    if (c.$eq !== undefined) match.push({ field, op: 'eq', values: [c.$eq] });
    else if (c.$in !== undefined) match.push({ field, op: 'in', values: c.$in });
    else if (c.$like !== undefined) match.push({ field, op: 'like', values: [c.$like] });
    else if (c.$ilike !== undefined) match.push({ field, op: 'ilike', values: [c.$ilike] });
  }
  const time = inclusive(f.time);
  const ingested = inclusive(f.ingestedAt);
  return {
    ...time,
    ...(ingested.from !== undefined ? { ingestedFrom: ingested.from } : {}),
    ...(ingested.to !== undefined ? { ingestedTo: ingested.to } : {}),
    ...(match.length > 0 ? { match } : {}),
  };
}

/** The cursor of a position: opaque to clients (base64url of JSON). */
export function encodeCursor(p: EventPosition): string {
  return Buffer.from(JSON.stringify([p.time, p.source, p.id])).toString('base64url');
}

export function decodeCursor(cursor: string): EventPosition {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      Number.isSafeInteger(v[0]) &&
      typeof v[1] === 'string' &&
      typeof v[2] === 'string'
    ) {
      return { time: v[0], source: v[1], id: v[2] };
    }
  } catch {
    // reported below
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this server gave out' }]);
}

const positionOf = (e: StoredEvent): EventPosition => ({
  time: e.time,
  source: e.source,
  id: e.id,
});

export interface EventPage {
  items: StoredEvent[];
  next?: EventPosition;
}

/**
 * One page of `limit` events after `q.after`. With `keep` (the "has problems" filter) events are
 * read in chunks and kept when `keep` says so, until the page is full or PROBLEM_SCAN_LIMIT events
 * were read; `next` is then where the scan stopped, so the client continues from there.
 */
export async function listPage(
  list: (q: EventListQuery) => Promise<StoredEvent[]>,
  q: Omit<EventListQuery, 'limit'>,
  limit: number,
  keep?: (e: StoredEvent) => boolean,
): Promise<EventPage> {
  if (!keep) {
    const got = await list({ ...q, limit: limit + 1 });
    const items = got.slice(0, limit);
    const last = items[items.length - 1];
    return got.length > limit && last ? { items, next: positionOf(last) } : { items };
  }
  const items: StoredEvent[] = [];
  let after = q.after;
  let scanned = 0;
  for (;;) {
    const chunk = await list({ ...q, ...(after ? { after } : {}), limit: SCAN_CHUNK });
    for (const [i, e] of chunk.entries()) {
      scanned++;
      after = positionOf(e);
      if (keep(e)) items.push(e);
      const more = i < chunk.length - 1 || chunk.length === SCAN_CHUNK;
      if (items.length === limit || scanned >= PROBLEM_SCAN_LIMIT) {
        return more ? { items, next: after } : { items };
      }
    }
    if (chunk.length < SCAN_CHUNK) return { items };
  }
}
