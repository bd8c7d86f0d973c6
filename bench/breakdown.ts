// `npx tsx bench/breakdown.ts [events]`: where an ingested event's time goes, layer by layer, in
// one process without HTTP: body parsing, validation + extraction, the store's append with a
// commit per batch, and the same with concurrent batches sharing a group commit.
import { rmSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { IngestService } from '../src/ingest/ingest-service.js';
import { parseIngestBody } from '../src/ingest/parse-body.js';
import type { AppendResult, IngestItem } from '../src/ingest/stored-event.js';
import { MeterService } from '../src/meter/meter-service.js';
import { DuckDbStore } from '../src/store/embedded/duckdb-store.js';
import type { EventWriter } from '../src/store/ports.js';
import { batchBody, generateDataset } from './dataset.js';
import { nowMs } from './stats.js';
import { TOKENS_METER, USERS_METER } from './workload.js';

const n = Number(process.argv[2] ?? 200_000);
const batch = 1000;
const dir = '.tmp/bench-breakdown';
rmSync(dir, { recursive: true, force: true });
const data = generateDataset(n, 42);
const bodies: Buffer[] = [];
for (let i = 0; i < n; i += batch) bodies.push(batchBody(data, i, i + batch, 'bd'));

const store = await DuckDbStore.open({ dataDir: dir });
const meters = new MeterService(store, Date.now);
const accountId = 'acct_breakdown';
await meters.create(accountId, TOKENS_METER);
await meters.create(accountId, USERS_METER);

/** Captures the items instead of writing them, so validation is timed alone. */
class CapturingWriter implements EventWriter {
  readonly batches: IngestItem[][] = [];
  async append(items: IngestItem[]): Promise<AppendResult> {
    this.batches.push(items);
    return { duplicates: [] };
  }
}

function report(label: string, ms: number): void {
  console.log(
    `${label.padEnd(58)} ${((ms * 1000) / n).toFixed(2).padStart(7)} µs/event  ${Math.round(
      (n / ms) * 1000,
    )
      .toLocaleString('en-US')
      .padStart(10)}/s`,
  );
}

let t = nowMs();
for (const b of bodies) JSON.parse(b.toString());
report('JSON.parse of the batch bodies', nowMs() - t);

t = nowMs();
const candidates = bodies.map((b) => parseIngestBody(b, 'application/cloudevents-batch+json'));
report('parseIngestBody (the server body parser)', nowMs() - t);

// Garbage collections, to say how much of a pass they are (entries arrive a tick late).
const gcEntries: { start: number; ms: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, ms: e.duration });
}).observe({ entryTypes: ['gc'] });
/** Prints the time of the collections that started in [from, to). */
async function reportGc(from: number, to: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const ms = gcEntries.filter((g) => g.start >= from && g.start < to).reduce((a, g) => a + g.ms, 0);
  console.log(
    `${'  of which garbage collection'.padEnd(58)} ${((ms * 1000) / n).toFixed(2).padStart(7)} µs/event`,
  );
}

const capture = new CapturingWriter();
const ingest = new IngestService(capture, meters, { maxInFlightEvents: 1e9 });
t = nowMs();
for (const c of candidates) await ingest.ingest(accountId, c);
const capturedEnd = nowMs();
report('IngestService: validation + meter extraction', capturedEnd - t);
// This pass keeps every item for the store passes below, so its collections copy them all; a
// server lets a batch's items go once the store has them. The second pass does, warm.
await reportGc(t, capturedEnd);
const released = new IngestService({ append: async () => ({ duplicates: [] }) }, meters, {
  maxInFlightEvents: 1e9,
});
t = nowMs();
for (const c of candidates) await released.ingest(accountId, c);
const releasedEnd = nowMs();
report('IngestService again, warm, items released per batch', releasedEnd - t);
await reportGc(t, releasedEnd);

/** The store's CPU (all threads) and wall time until every appended event is queryable. */
async function timeUntilVisible(label: string, run: () => Promise<void>): Promise<void> {
  const cpu = process.cpuUsage();
  const start = nowMs();
  await run();
  report(`${label}, acknowledged`, nowMs() - start);
  await store.listEvents({ accountId, limit: 1 });
  report(`${label}, queryable`, nowMs() - start);
  const used = process.cpuUsage(cpu);
  console.log(
    `${''.padEnd(58)} ${((used.user + used.system) / n).toFixed(2).padStart(7)} µs CPU/event`,
  );
}

await timeUntilVisible(`DuckDbStore.append, one batch of ${batch} at a time`, async () => {
  for (const items of capture.batches) await store.append(items);
});

// Fresh identities for the concurrent pass (the first pass's would all be duplicates).
const again = new IngestService(capture, meters, { maxInFlightEvents: 1e9 });
capture.batches.length = 0;
for (let i = 0; i < n; i += batch) {
  await again.ingest(
    accountId,
    parseIngestBody(batchBody(data, i, i + batch, 'bd2'), 'application/cloudevents-batch+json'),
  );
}
await timeUntilVisible(`DuckDbStore.append, 4 batches of ${batch} in flight`, async () => {
  for (let i = 0; i < capture.batches.length; i += 4) {
    await Promise.all(capture.batches.slice(i, i + 4).map((items) => store.append(items)));
  }
});
await store.close();
rmSync(dir, { recursive: true, force: true });
