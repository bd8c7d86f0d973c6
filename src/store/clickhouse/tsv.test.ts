import { describe, expect, it } from 'vitest';
import { MAX_DIMENSIONS } from '../../meter/meter-definition.js';
import { keyOf } from './dedupe.js';
import { EVENT_COLUMNS, eventTsv, METER_ROW_COLUMNS, meterRowHead, meterRowTsv } from './rows.js';
import { tsvInt, tsvNullableFloat, tsvNullableString, tsvString } from './tsv.js';

describe('TabSeparated fields', () => {
  it('escapes what would end a field or a row, and the backslash itself', () => {
    expect(tsvString('plain {"a":1}')).toBe('plain {"a":1}');
    expect(tsvString('a\tb\nc\\d\re\0f')).toBe('a\\tb\\nc\\\\d\\re\\0f');
    expect(tsvString('\\N')).toBe('\\\\N');
  });
  it('writes NULL as \\N and keeps non-finite floats out', () => {
    expect(tsvNullableString(null)).toBe('\\N');
    expect(tsvNullableFloat(null)).toBe('\\N');
    expect(tsvNullableFloat(Number.NaN)).toBe('\\N');
    expect(tsvNullableFloat(-1.5)).toBe('-1.5');
    expect(tsvInt(1_700_000_000_123)).toBe('1700000000123');
    expect(() => tsvInt(1.5)).toThrow();
  });
  it('renders one line per row with one field per column', () => {
    const e = eventTsv({
      accountId: 'a',
      id: 'i\t1',
      source: 's',
      type: 't',
      subject: 'u',
      time: 1,
      ingestedAt: 2,
      data: '{"x":"a\\nb"}',
    });
    expect(e.endsWith('\n')).toBe(true);
    expect(e.slice(0, -1).split('\t')).toHaveLength(EVENT_COLUMNS.length);
    const r = meterRowTsv(meterRowHead('a', 'm', 0, 1, 'u'), {
      value: 3,
      valueText: null,
      dims: ['x', null],
    });
    const fields = r.slice(0, -1).split('\t');
    expect(fields).toHaveLength(METER_ROW_COLUMNS.length);
    expect(fields.slice(5, 9)).toEqual(['3', '\\N', 'x', '\\N']);
    expect(METER_ROW_COLUMNS).toHaveLength(7 + MAX_DIMENSIONS);
  });
});

describe('keyOf', () => {
  it('tells apart identities whose parts only differ in where they split', () => {
    const a = keyOf({ accountId: 'a1', source: ':b', id: 'c' });
    const b = keyOf({ accountId: 'a', source: '1:b', id: 'c' });
    const c = keyOf({ accountId: 'a1', source: ':', id: 'bc' });
    expect(new Set([a, b, c]).size).toBe(3);
  });
});
