// A separate Tally store process for the multi-process test. Usage (env): TOPOLOGY, DATABASE,
// and argv[2] = "ingest" (N events, all ids shared with the other worker) or "find" (a key hash
// and a meter id to wait for). Prints one JSON line.
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { requestItem } from './request-events.js';
import { openStore, type Topology } from './stores.js';

const topology = (process.env.TOPOLOGY ?? 'single') as Topology;
const database = process.env.DATABASE ?? '';
// Several processes on one database: the shared (multi-writer) dedupe protocol.
const store = await openStore(topology, database, 1000, 'shared');

if (process.argv[2] === 'ingest') {
  const n = Number(process.env.EVENTS ?? 2000);
  const batch = Number(process.env.BATCH ?? 100);
  const items: IngestItem[] = Array.from({ length: n }, (_, i) =>
    requestItem(i, { subject: `s${i % 17}`, valueText: `s${i % 17}`, ingestedAt: Date.now() }),
  );
  // Each worker sends the batches in a different order, several at once, to overlap the other.
  const order = Array.from({ length: Math.ceil(n / batch) }, (_, i) => i);
  if (process.env.REVERSE === '1') order.reverse();
  let stored = 0;
  let duplicates = 0;
  await Promise.all(
    [0, 1, 2, 3].map(async (lane) => {
      for (let k = lane; k < order.length; k += 4) {
        const b = order[k] ?? 0;
        const r = await store.append(items.slice(b * batch, (b + 1) * batch));
        duplicates += r.duplicates.length;
        stored += Math.min(batch, n - b * batch) - r.duplicates.length;
      }
    }),
  );
  console.log(JSON.stringify({ stored, duplicates }));
} else if (process.argv[2] === 'find') {
  const started = Date.now();
  let key = await store.findKeyByHash(process.env.HASH ?? '');
  while (!key && Date.now() - started < 10_000) {
    await new Promise((r) => setTimeout(r, 100));
    key = await store.findKeyByHash(process.env.HASH ?? '');
  }
  const meters = await store.listMeters('acc');
  console.log(
    JSON.stringify({
      keyId: key?.id ?? null,
      ms: Date.now() - started,
      meters: meters.map((m) => m.id),
    }),
  );
}
await store.close();
