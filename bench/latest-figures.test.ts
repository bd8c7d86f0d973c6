import { describe, expect, it } from 'vitest';
import {
  BEGIN,
  END,
  readLatest,
  SUMMARY_ROWS,
  type SummaryRun,
  summaryRun,
  updateLatest,
} from './latest-figures.js';
import type { Row } from './report.js';

function row(key: string, tally: string, value: number, limit: number): Row {
  return {
    key,
    figure: key,
    target: '',
    tally,
    raw: 'n/a',
    typed: '1 ms',
    vsRaw: '',
    checks: [{ what: '', value, limit, better: 'lower' }],
  };
}

function run(events: number, date: string, tally: string, value: number): SummaryRun {
  return summaryRun(
    [row('disk', tally, value, 48)],
    { events, date, commit: 'abc1234', rawName: 'DuckDB' },
    value > 48 ? [`disk: ${tally} is mostly the events table`] : [],
  );
}

const DOC = '# Benchmarks\n\nIntro text.\n\n## Run log\n\n### an old run\n\n| a | b |\n';

/** The table row of one summary figure in the block of one store. */
function tableRow(doc: string, storeTitle: string, label: string): string {
  const section = doc.slice(doc.indexOf(storeTitle));
  return section.split('\n').find((l) => l.startsWith(`| ${label} |`)) ?? '';
}

const DISK = SUMMARY_ROWS.find((r) => r.key === 'disk')?.label ?? '';

describe('updateLatest', () => {
  it('adds the section after the title and keeps the rest of the document', () => {
    const doc = updateLatest(
      DOC,
      'embedded',
      'quick',
      run(1_000_000, '2026-12-06 04:22', '99.0 B', 99),
    );
    expect(doc.startsWith('# Benchmarks\n\n## Latest figures\n')).toBe(true);
    expect(doc.endsWith(DOC.slice('# Benchmarks\n'.length))).toBe(true);
    expect(doc.indexOf(BEGIN)).toBeLessThan(doc.indexOf(END));
    const line = tableRow(doc, 'Embedded store', DISK);
    expect(line).toContain('**FAIL** 99.0 B');
    expect(line).toContain(`misses: ${(99 / 48).toFixed(1)}x over target`);
    expect(line).toContain('loop 1 ms');
  });

  it("replaces a run's own column and keeps the other scales and stores", () => {
    let doc = updateLatest(
      DOC,
      'embedded',
      'quick',
      run(1_000_000, '2026-12-01 10:00', '99.0 B', 99),
    );
    doc = updateLatest(
      doc,
      'clickhouse',
      'quick',
      run(1_000_000, '2026-12-02 10:00', '70.0 B', 70),
    );
    doc = updateLatest(doc, 'embedded', 'full', run(100_000_000, '2026-12-03 10:00', '47.0 B', 47));
    doc = updateLatest(doc, 'embedded', 'quick', run(1_000_000, '2026-12-04 10:00', '60.0 B', 60));
    const latest = readLatest(doc);
    expect(latest.embedded.quick?.date).toBe('2026-12-04 10:00');
    expect(latest.embedded.full?.date).toBe('2026-12-03 10:00');
    expect(latest.clickhouse.quick?.date).toBe('2026-12-02 10:00');
    // Quick before full, one column each.
    const line = tableRow(doc, 'Embedded store', DISK);
    expect(line.indexOf('60.0 B')).toBeGreaterThan(0);
    expect(line.indexOf('PASS 47.0 B')).toBeGreaterThan(line.indexOf('60.0 B'));
    expect(tableRow(doc, 'ClickHouse store', DISK)).toContain('**FAIL** 70.0 B');
    expect(doc.split(BEGIN).length).toBe(2);
    // Each store lists the reasons of its largest run: the embedded full run passed, so none.
    const embedded = doc.slice(doc.indexOf('### Embedded store'), doc.indexOf('### ClickHouse'));
    expect(embedded).not.toContain('is mostly the events table');
    expect(doc.slice(doc.indexOf('### ClickHouse'))).toContain('disk: 70.0 B is mostly');
  });

  it('keeps text that would end an HTML comment inside the stored figures', () => {
    const tricky = run(1_000_000, '2026-12-06 04:22', 'a --> b -- c', 99);
    const doc = updateLatest(DOC, 'embedded', 'quick', tricky);
    expect(readLatest(doc).embedded.quick?.cells.disk?.tally).toBe('a --> b -- c');
    const comment = doc.slice(doc.indexOf('<!-- bench:latest-figures:data'));
    expect(comment.indexOf('-->')).toBe(comment.indexOf(' -->\n') + 1);
  });
});
