import { describe, expect, it } from 'vitest';
import { compileListEvents } from './compile-events.js';

const COLUMNS = 'account_id, id, source, type, subject, time, ingested_at, data';

describe('compileListEvents', () => {
  it('lists newest first with the v1 filters, substrings taken literally', () => {
    expect(
      compileListEvents({
        accountId: 'a',
        from: 1,
        to: 2,
        ingestedFrom: 3,
        ingestedTo: 4,
        idContains: "x'",
        subjectContains: '%',
        subject: 's',
        limit: 50,
      }),
    ).toBe(
      `SELECT ${COLUMNS} FROM events WHERE account_id = 'a' AND time >= 1 AND time <= 2 AND ingested_at >= 3 AND ingested_at <= 4 AND contains(id, 'x''') AND contains(subject, '%') AND subject = 's' AND NOT EXISTS (SELECT 1 FROM event_voids v WHERE v.account_id = events.account_id AND v.source = events.source AND v.id = events.id AND v.ingested_at = events.ingested_at) ORDER BY time DESC, source, id LIMIT 50`,
    );
  });

  it('adds matches and the keyset condition of a cursor', () => {
    expect(
      compileListEvents({
        accountId: 'a',
        match: [
          { field: 'subject', op: 'eq', values: ['s'] },
          { field: 'type', op: 'in', values: ['t1', "t'2"] },
          { field: 'id', op: 'like', values: ['x%'] },
          { field: 'source', op: 'ilike', values: ['S_'] },
          { field: 'type', op: 'in', values: [] },
        ],
        after: { time: 5, source: 'src', id: 'i' },
        limit: 10,
      }),
    ).toBe(
      `SELECT ${COLUMNS} FROM events WHERE account_id = 'a' AND subject = 's' AND type IN ('t1', 't''2') AND id LIKE 'x%' AND source ILIKE 'S_' AND FALSE AND NOT EXISTS (SELECT 1 FROM event_voids v WHERE v.account_id = events.account_id AND v.source = events.source AND v.id = events.id AND v.ingested_at = events.ingested_at) AND (time < 5 OR (time = 5 AND (source > 'src' OR (source = 'src' AND id > 'i')))) ORDER BY time DESC, source, id LIMIT 10`,
    );
    expect(() => compileListEvents({ accountId: 'a', limit: -1 })).toThrow(/limit/);
  });
});
