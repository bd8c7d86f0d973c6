// The events the ClickHouse write-path suites send: 'request' events of account 'acc', each
// counted once on meter 'm1'. Free of vitest so the worker process can use it too.
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { Store } from '../../src/store/ports.js';

export const REQUEST_EPOCH = 1_700_000_000_000;

/** Event `e<n>` (unless `id` is given), at REQUEST_EPOCH + n seconds unless `time` is given. */
export function requestItem(
  n: number,
  options: {
    id?: string;
    subject?: string;
    time?: number;
    ingestedAt?: number;
    valueText?: string | null;
  } = {},
): IngestItem {
  return {
    event: {
      accountId: 'acc',
      id: options.id ?? `e${n}`,
      source: 'svc',
      type: 'request',
      subject: options.subject ?? 's',
      time: options.time ?? REQUEST_EPOCH + n * 1000,
      ingestedAt: options.ingestedAt ?? REQUEST_EPOCH,
      data: '{}',
    },
    rows: [{ meterId: 'm1', value: 1, valueText: options.valueText ?? null, dims: [] }],
  };
}

/** The counts meter 'm1' holds for 'acc' over all time (one row when anything is stored). */
export async function requestCounts(store: Store): Promise<number[]> {
  const rows = await store.aggregateNumeric({
    accountId: 'acc',
    meterId: 'm1',
    from: 0,
    to: 2_000_000_000_000,
    bucket: { kind: 'all' },
    groupBy: [],
  });
  return rows.map((r) => r.count);
}

/** The writer options the writer suites share (the store's defaults, smaller where it helps). */
export const TEST_WRITER_OPTIONS = {
  maxEvents: 50_000,
  concurrency: 2,
  maxFlushes: 16,
  recentKeys: 10_000,
  insertSettings: {},
};
