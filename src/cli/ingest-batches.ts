import type { SourceItem } from './event-source.js';

/** Events waiting to be sent, with the line each came from. */
export interface Batch {
  lines: number[];
  parts: string[];
  bytes: number;
}

/**
 * Keeps a request well under the server's default body limit (16 MiB) whatever --batch says, so a
 * file of large events is split by size as well as by count.
 */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Groups readable items into batches of at most `size` events (or MAX_BATCH_BYTES), yielding each
 * as it fills so that only one batch is held at a time; unreadable items go to `onError` in order.
 */
export async function* batches(
  items: AsyncIterable<SourceItem> | Iterable<SourceItem>,
  size: number,
  onError: (at: number, reason: string) => void,
): AsyncGenerator<Batch> {
  let batch: Batch = { lines: [], parts: [], bytes: 0 };
  for await (const item of items) {
    if ('error' in item) {
      onError(item.at, item.error);
      continue;
    }
    batch.lines.push(item.at);
    batch.parts.push(item.json);
    batch.bytes += item.json.length + 1;
    if (batch.parts.length >= size || batch.bytes >= MAX_BATCH_BYTES) {
      yield batch;
      batch = { lines: [], parts: [], bytes: 0 };
    }
  }
  if (batch.parts.length > 0) yield batch;
}
