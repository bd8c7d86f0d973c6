import { createReadStream } from 'node:fs';
import { type CsvError, parse } from 'csv-parse';
import type { NumericColumns } from './csv-numbers.js';
import { decimalNumber } from './csv-numbers.js';
import type { ReadProgress, SourceItem } from './event-source.js';

interface CsvRow {
  record: Record<string, string>;
  raw: string;
  info: { lines: number; bytes: number };
}

/** The line a record starts on: csv-parse counts the line it ends on (a quoted cell may span lines). */
function startLine(row: CsvRow): number {
  const body = row.raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
  return row.info.lines - (body.match(/\n/g)?.length ?? 0);
}

function toEvent(record: Record<string, string>, numeric: NumericColumns): unknown {
  const event: Record<string, unknown> = { specversion: '1.0' };
  const data: Record<string, unknown> = {};
  const numbers = numeric(record.type || undefined);
  for (const [header, v] of Object.entries(record)) {
    if (v === '') continue;
    if (!header.startsWith('data.')) {
      event[header] = v;
      continue;
    }
    const name = header.slice(5);
    data[name] = numbers.has(name) ? (decimalNumber(v) ?? v) : v;
  }
  event.data = data;
  return event;
}

/**
 * Streams a CSV file with a header row (id, source, type, subject, time and `data.<name>`
 * columns) through csv-parse: memory holds a chunk and a record. A malformed record is reported
 * with its line and the parser's message, and reading goes on.
 */
export async function* readCsv(
  path: string,
  fromLine: number,
  numeric: NumericColumns,
  progress: ReadProgress,
): AsyncGenerator<SourceItem> {
  const skipped: SourceItem[] = [];
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      columns: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      raw: true,
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (err: CsvError & { lines?: number }) => {
    const at = err.lines ?? 0;
    if (at >= fromLine) skipped.push({ at, error: `invalid CSV: ${err.message}` });
  });
  for await (const row of parser as AsyncIterable<CsvRow>) {
    progress.bytes = row.info.bytes;
    const at = startLine(row);
    while (skipped.length > 0 && (skipped[0]?.at ?? 0) < at) yield skipped.shift() as SourceItem;
    if (at < fromLine) continue;
    yield { at, json: JSON.stringify(toEvent(row.record, numeric)) };
  }
  yield* skipped;
}
