import { describe, expect, it } from 'vitest';
import { parseZone } from '../lib/time/zone.js';
import { bucketingFor, enumerateWindows, windowOf } from './windows.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('time zones and windows', () => {
  it('parses IANA zones and fixed offsets, and rejects the rest', () => {
    expect(parseZone('+05:45')?.offset(0)).toBe(345);
    expect(parseZone('-0330')?.offset(0)).toBe(-210);
    expect(parseZone('UTC+01:00')?.offset(0)).toBe(60);
    expect(parseZone('Europe/Berlin')?.isValid).toBe(true);
    expect(parseZone('Mars/Olympus')).toBeUndefined();
    expect(parseZone('+25:00')).toBeUndefined();
  });

  it('months in Asia/Kathmandu start at local midnight (+05:45)', () => {
    const zone = parseZone('Asia/Kathmandu');
    if (!zone) throw new Error('zone');
    const w = enumerateWindows(
      Date.parse('2024-01-15T00:00:00Z'),
      Date.parse('2024-03-02T00:00:00Z'),
      'MONTH',
      zone,
    );
    expect(w.map((x) => iso(x.start))).toEqual([
      '2023-12-31T18:15:00.000Z',
      '2024-01-31T18:15:00.000Z',
      '2024-02-29T18:15:00.000Z',
    ]);
  });

  it('weeks start on Monday in the zone, across the US spring-forward', () => {
    const zone = parseZone('America/New_York');
    if (!zone) throw new Error('zone');
    const w = enumerateWindows(
      Date.parse('2024-03-06T12:00:00Z'),
      Date.parse('2024-03-12T00:00:00Z'),
      'WEEK',
      zone,
    );
    expect(w.map((x) => [iso(x.start), iso(x.end)])).toEqual([
      ['2024-03-04T05:00:00.000Z', '2024-03-11T04:00:00.000Z'],
      ['2024-03-11T04:00:00.000Z', '2024-03-18T04:00:00.000Z'],
    ]);
    const b = bucketingFor(w, 'WEEK', zone);
    expect(b.kind).toBe('calendar');
    expect(windowOf(b, Date.parse('2024-03-11T03:59:59.999Z'))).toBe(0);
    expect(windowOf(b, Date.parse('2024-03-11T04:00:00.000Z'))).toBe(1);
  });

  it('uses integer bucketing where windows are uniform', () => {
    const zone = parseZone('+05:30');
    if (!zone) throw new Error('zone');
    const w = enumerateWindows(
      Date.parse('2024-01-01T00:00:00Z'),
      Date.parse('2024-01-03T00:00:00Z'),
      'DAY',
      zone,
    );
    const b = bucketingFor(w, 'DAY', zone);
    expect(b).toEqual({
      kind: 'uniform',
      origin: Date.parse('2023-12-31T18:30:00Z'),
      width: 86_400_000,
    });
  });
});
