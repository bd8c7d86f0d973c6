/**
 * One entry read from an event file: the event as JSON text, or why it could not be read. `at` is
 * the 1-based line of the file where it starts (for a JSON array file: the 1-based position of the
 * event in the array), the number that error messages and --from-line use.
 */
export type SourceItem = { at: number; json: string } | { at: number; error: string };

/** How far the reader has got through the file, for the progress bar. */
export interface ReadProgress {
  bytes: number;
}

export type FileFormat = 'ndjson' | 'json' | 'csv';

export const FILE_FORMATS: readonly FileFormat[] = ['ndjson', 'json', 'csv'];

export function formatOf(path: string, format?: string): FileFormat {
  if (format) return format as FileFormat;
  if (/\.(ndjson|jsonl)$/i.test(path)) return 'ndjson';
  if (/\.csv$/i.test(path)) return 'csv';
  return 'json';
}
