import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/**
 * Reads events from a file: NDJSON (.ndjson/.jsonl), JSON (an event or an array) or CSV with a
 * header row: id, source, type, subject, time, and `data.<name>` columns (numbers stay numbers).
 */
export function readEventFile(path: string, format?: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  const kind =
    format ?? (/\.(ndjson|jsonl)$/i.test(path) ? 'ndjson' : /\.csv$/i.test(path) ? 'csv' : 'json');
  if (kind === 'ndjson') {
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as unknown;
        } catch {
          return { invalidLine: l };
        }
      });
  }
  if (kind === 'csv') return parseCsvEvents(text);
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? v : [v];
}

function parseCsvEvents(text: string): unknown[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  return records.map((rec) => {
    const event: Record<string, unknown> = { specversion: '1.0' };
    const data: Record<string, unknown> = {};
    for (const [h, v] of Object.entries(rec)) {
      if (v === '') continue;
      if (h.startsWith('data.')) data[h.slice(5)] = Number.isNaN(Number(v)) ? v : Number(v);
      else event[h] = v;
    }
    event.data = data;
    return event;
  });
}
