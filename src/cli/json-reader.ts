import { readFileSync } from 'node:fs';
import type { ReadProgress, SourceItem } from './event-source.js';

/**
 * A JSON file (one event or an array) has to be parsed whole, so it is read into memory: files
 * too large for that belong in NDJSON. Positions are 1-based indexes into the array.
 */
export function* readJsonArray(
  path: string,
  fromEvent: number,
  progress: ReadProgress,
): Generator<SourceItem> {
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(
      `${path}: invalid JSON: ${(err as Error).message} (for one event per line, use an .ndjson file or --format ndjson)`,
    );
  }
  const events = Array.isArray(value) ? value : [value];
  const size = Buffer.byteLength(text);
  for (let i = fromEvent - 1; i < events.length; i++) {
    progress.bytes = Math.round((size * (i + 1)) / events.length);
    yield { at: i + 1, json: JSON.stringify(events[i]) };
  }
}
