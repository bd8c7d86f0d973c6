// A separate Tally store process for the multi-process test. Usage (env): TOPOLOGY, DATABASE,
// HASH, and argv[2] = "find" (a key hash and a meter id to wait for). Prints one JSON line.
import { openStore, type Topology } from './stores.js';

const topology = (process.env.TOPOLOGY ?? 'single') as Topology;
const database = process.env.DATABASE ?? '';
// It only reads what the other process wrote: no writers mode is involved.
const store = await openStore(topology, database);

if (process.argv[2] === 'find') {
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
