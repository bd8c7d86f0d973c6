import { describe, expect, it } from 'vitest';
import { archiveFileName, filesOf, monthLabel } from './archive-layout.js';
import {
  compileArchiveViews,
  compileDropMeterCopy,
  compileHotDeletes,
  compileManifestUpsert,
  compileMonthCopy,
} from './compile-archive.js';

const MARCH = Date.UTC(2025, 2, 1);
const APRIL = Date.UTC(2025, 3, 1);
const OPTIONS = '(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)';

describe('archive SQL and file names', () => {
  it('names files by month, table and generation', () => {
    expect(monthLabel(MARCH)).toBe('2025-03');
    expect(archiveFileName('meter_rows', MARCH, 3)).toBe('2025-03.meter_rows.g3.parquet');
    expect(() => archiveFileName('events', MARCH, 0)).toThrow(/generation/);
    const m = { month: MARCH, eventsGen: 2, events: 10, rowsGen: 5, meterRows: 20 };
    expect(filesOf('/d/archive', m)).toEqual([
      '/d/archive/2025-03.events.g2.parquet',
      '/d/archive/2025-03.meter_rows.g5.parquet',
    ]);
  });

  it('views the hot table alone, or with every archived file', () => {
    expect(compileArchiveViews({ events: [], meter_rows: [] })).toEqual([
      'CREATE OR REPLACE VIEW events AS SELECT * FROM events_hot',
      'CREATE OR REPLACE VIEW meter_rows AS SELECT * FROM meter_rows_hot',
    ]);
    expect(
      compileArchiveViews({ events: ["/a/it's.parquet"], meter_rows: ['/a/1', '/a/2'] }),
    ).toEqual([
      "CREATE OR REPLACE VIEW events AS SELECT * FROM events_hot UNION ALL SELECT * FROM read_parquet(['/a/it''s.parquet'])",
      "CREATE OR REPLACE VIEW meter_rows AS SELECT * FROM meter_rows_hot UNION ALL SELECT * FROM read_parquet(['/a/1', '/a/2'])",
    ]);
  });

  it('copies a month sorted, merged with its previous file, then deletes its hot rows', () => {
    expect(compileMonthCopy('events', MARCH, APRIL, undefined, '/a/e1')).toBe(
      `COPY (SELECT * FROM (SELECT * FROM events_hot WHERE time >= ${MARCH} AND time < ${APRIL}) ORDER BY account_id, time) TO '/a/e1' ${OPTIONS}`,
    );
    expect(compileMonthCopy('meter_rows', MARCH, APRIL, '/a/m1', '/a/m2')).toBe(
      `COPY (SELECT * FROM (SELECT * FROM meter_rows_hot WHERE time >= ${MARCH} AND time < ${APRIL} UNION ALL SELECT * FROM read_parquet('/a/m1')) ORDER BY account_id, meter_id, sb, time) TO '/a/m2' ${OPTIONS}`,
    );
    expect(compileHotDeletes(MARCH, APRIL)).toEqual([
      `DELETE FROM events_hot WHERE time >= ${MARCH} AND time < ${APRIL}`,
      `DELETE FROM meter_rows_hot WHERE time >= ${MARCH} AND time < ${APRIL}`,
    ]);
    expect(compileDropMeterCopy('/a/m2', "m'1", '/a/m3')).toBe(
      `COPY (SELECT * FROM read_parquet('/a/m2') WHERE meter_id <> 'm''1' ORDER BY account_id, meter_id, sb, time) TO '/a/m3' ${OPTIONS}`,
    );
    expect(
      compileManifestUpsert({ month: MARCH, eventsGen: 1, events: 7, rowsGen: 2, meterRows: 9 }),
    ).toBe(`INSERT OR REPLACE INTO archive_months VALUES (${MARCH}, 1, 7, 2, 9)`);
  });
});
