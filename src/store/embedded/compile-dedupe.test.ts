import { describe, expect, it } from 'vitest';
import { compileConfirm, compileDayKeys, compileStoredDays, eventDay } from './compile-dedupe.js';

describe('dedupe SQL compiler (golden)', () => {
  it('the UTC day of an event time', () => {
    expect(eventDay(0)).toBe(0);
    expect(eventDay(86_399_999)).toBe(0);
    expect(eventDay(86_400_000)).toBe(1);
    expect(eventDay(-1)).toBe(-1);
    expect(eventDay(1_700_000_000_000)).toBe(19_675);
  });

  it('loads one day of identity hashes as two UINTEGER halves', () => {
    expect(compileDayKeys(19_675)).toBe(
      'SELECT (key_hash >> 32)::UINTEGER AS hi, (key_hash & 4294967295)::UINTEGER AS lo FROM events WHERE time >= 1699920000000 AND time < 1700006400000',
    );
    expect(compileDayKeys(-1)).toBe(
      'SELECT (key_hash >> 32)::UINTEGER AS hi, (key_hash & 4294967295)::UINTEGER AS lo FROM events WHERE time >= -86400000 AND time < 0',
    );
  });

  it('confirms candidates with one range-restricted SELECT per day', () => {
    const sql = compileConfirm([
      { day: 19_676, hi: 1, lo: 2 },
      { day: 19_675, hi: 0xffffffff, lo: 0xffffffff },
      { day: 19_676, hi: 0, lo: 7 },
      { day: 19_676, hi: 1, lo: 2 },
    ]);
    expect(sql).toBe(
      'SELECT account_id, source, id, time FROM events WHERE time >= 1699920000000 AND time < 1700006400000 AND key_hash IN (18446744073709551615)' +
        ' UNION ALL ' +
        'SELECT account_id, source, id, time FROM events WHERE time >= 1700006400000 AND time < 1700092800000 AND key_hash IN (4294967298, 7)',
    );
  });

  it('lists the days of the hot events, flooring times before 1970 as eventDay does', () => {
    expect(compileStoredDays()).toBe(
      'SELECT DISTINCT CAST(floor(time / 86400000) AS BIGINT) AS day FROM events_hot',
    );
  });

  it('has nothing to confirm for no keys', () => {
    expect(compileConfirm([])).toBeUndefined();
  });
});
