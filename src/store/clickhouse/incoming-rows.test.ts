import { describe, expect, it } from 'vitest';
import { INCOMING_COLUMNS, incomingEvent, incomingKey, incomingMeterRow } from './incoming-rows.js';
import { eventTsv, meterRowHead, meterRowTsv } from './rows.js';

const fence = { slot: 7, epoch: '18446744073709551000' };
const tag = { fence, accountId: 'acct\t1', token: 'tok' };
const fieldsOf = (line: string) => line.replace(/\n$/, '').split('\t');

describe('incoming rows', () => {
  const event = {
    accountId: 'acct\t1',
    id: 'e1',
    source: 'src',
    type: 'call',
    subject: 'sub',
    time: 1_700_000_000_000,
    ingestedAt: 1_700_000_000_500,
    data: '{"a":1}',
  };
  const lines = {
    event: incomingEvent(tag, eventTsv(event)),
    meterRow: incomingMeterRow(
      tag,
      meterRowTsv(meterRowHead(event.accountId, 'm1', 3, event.time, 'sub'), {
        value: 2.5,
        valueText: null,
        dims: ['x', null],
      }),
    ),
    key: incomingKey(tag, { source: 'src', id: 'e1' }),
  };

  it('fill every column once, one line each', () => {
    for (const [kind, line] of Object.entries(lines)) {
      expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, kind).toBe(true);
      expect(fieldsOf(line).length, kind).toBe(INCOMING_COLUMNS.length);
    }
  });

  it('put each value under its own column name', () => {
    const at = (line: string, column: string) =>
      fieldsOf(line)[INCOMING_COLUMNS.indexOf(column as (typeof INCOMING_COLUMNS)[number])];
    expect([at(lines.event, 'kind'), at(lines.event, 'slot'), at(lines.event, 'epoch')]).toEqual([
      '1',
      '7',
      '18446744073709551000',
    ]);
    expect(at(lines.event, 'shard_account')).toBe('acct\\t1');
    expect(at(lines.event, 'e_id')).toBe('e1');
    expect(at(lines.event, 'e_ingested_at')).toBe('1700000000500');
    expect(at(lines.event, 'e_data')).toBe('{"a":1}');
    expect(at(lines.event, 'value')).toBe('\\N');
    expect(at(lines.meterRow, 'kind')).toBe('2');
    expect(at(lines.meterRow, 'meter_id')).toBe('m1');
    expect(at(lines.meterRow, 'gen')).toBe('3');
    expect(at(lines.meterRow, 'value')).toBe('2.5');
    expect([at(lines.meterRow, 'g0'), at(lines.meterRow, 'g1'), at(lines.meterRow, 'g15')]).toEqual(
      ['x', '\\N', '\\N'],
    );
    expect(at(lines.meterRow, 'e_time')).toBe('0');
    expect(at(lines.key, 'kind')).toBe('3');
    expect([
      at(lines.key, 'k_account_id'),
      at(lines.key, 'k_id'),
      at(lines.key, 'write_token'),
    ]).toEqual(['acct\\t1', 'e1', 'tok']);
  });
});
