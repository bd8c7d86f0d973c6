// The raw-engine side of a run: the same rows appended and the same questions asked directly in
// the engine. Above RAW_DURABLE_LIMIT events a commit per batch would take hours, so only the
// first --raw-durable-events are committed per batch (the like-for-like rate) and the rest per
// --raw-bulk-commit; smaller runs commit every event per batch and time a bulk sample separately.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './args.js';
import { type Dataset, headOf, sliceOf } from './dataset.js';
import { openRawEngine } from './engines.js';
import { log, Progress } from './progress.js';
import type { RawEngine } from './raw-engine.js';
import { median, nowMs, timeRuns } from './stats.js';
import { type Signatures, sum } from './typed-side.js';
import type { DashboardCase } from './workload.js';

export interface RawIngestPart {
  events: number;
  commitEvery: number;
  perSecond: number;
  /** Bench process (engine threads included) plus an engine server's own CPU, per event. */
  cpuUsPerEvent: number;
  /** The engine server's share of cpuUsPerEvent (ClickHouse; 0 for an in-process engine). */
  engineServerUsPerEvent: number;
}

export interface RawResult {
  name: string;
  durable: RawIngestPart;
  /** The rest of the run's events (inline), or a separate sample in a data directory of its own. */
  bulk: RawIngestPart & { inline: boolean };
  settleMs: number;
  dash: number[];
  monthlyMs: number;
  mauMs: number;
  sig: Signatures;
  diskBytes: number;
  /** Bytes per stored event, on the events the raw side holds. */
  diskPerEvent: number;
}

/** Slices ingested per call, so a long ingest logs progress between them. */
const SLICE = 2_000_000;
const BULK_SAMPLE = 500_000;

async function ingestPart(
  raw: RawEngine,
  d: Dataset,
  offset: number,
  tag: string,
  commitEvery: number,
  progress: Progress,
  engineCpuMs: () => number,
): Promise<RawIngestPart> {
  const t = nowMs();
  const cpu0 = process.cpuUsage();
  const engine0 = engineCpuMs();
  for (let from = 0; from < d.n; from += SLICE) {
    // Each slice gets its own tag: event ids restart at 0 in every slice.
    await raw.ingest(sliceOf(d, from, from + SLICE), `${tag}s${from / SLICE}`, commitEvery);
    progress.update(offset + Math.min(d.n, from + SLICE));
  }
  const cpu = process.cpuUsage(cpu0);
  const engineServerUsPerEvent = ((engineCpuMs() - engine0) * 1000) / d.n;
  return {
    events: d.n,
    commitEvery,
    perSecond: (d.n / (nowMs() - t)) * 1000,
    cpuUsPerEvent: (cpu.user + cpu.system) / d.n + engineServerUsPerEvent,
    engineServerUsPerEvent,
  };
}

export async function runRawSide(
  opts: BenchOptions,
  data: Dataset,
  workDir: string,
  tag: string,
  runs: number,
  caseAt: (i: number) => DashboardCase,
  engineCpuMs: () => number,
): Promise<RawResult> {
  const dir = join(workDir, 'raw');
  const raw = await openRawEngine(opts, dir, tag);
  const progress = new Progress(`raw ${raw.name} ingest`, data.n);
  const durable = await ingestPart(
    raw,
    headOf(data, opts.rawDurableEvents),
    0,
    tag,
    opts.batch,
    progress,
    engineCpuMs,
  );
  log(
    `raw ${raw.name}, one commit per ${opts.batch.toLocaleString('en-US')}: ${Math.round(durable.perSecond).toLocaleString('en-US')}/s over ${durable.events.toLocaleString('en-US')} events`,
  );
  let bulk: RawResult['bulk'];
  if (opts.rawDurableEvents < data.n) {
    const rest = sliceOf(data, opts.rawDurableEvents, data.n);
    const part = await ingestPart(
      raw,
      rest,
      opts.rawDurableEvents,
      `${tag}r`,
      opts.rawBulkCommit,
      progress,
      engineCpuMs,
    );
    bulk = { ...part, inline: true };
  } else {
    // The same append with one large commit separates the engine's CPU cost from the
    // per-commit (WAL write + fsync) cost that a durable acknowledgement per batch pays.
    const sampleDir = join(workDir, 'raw-bulk');
    const sample = await openRawEngine(opts, sampleDir, `${tag}b`);
    const d = headOf(data, BULK_SAMPLE);
    const part = await ingestPart(
      sample,
      d,
      0,
      `${tag}b`,
      opts.rawBulkCommit,
      new Progress(`raw ${raw.name} bulk sample`, d.n),
      engineCpuMs,
    );
    await sample.close();
    rmSync(sampleDir, { recursive: true, force: true });
    bulk = { ...part, inline: false };
  }
  log(
    `raw ${raw.name}, one commit per ${opts.rawBulkCommit.toLocaleString('en-US')}: ${Math.round(bulk.perSecond).toLocaleString('en-US')}/s over ${bulk.events.toLocaleString('en-US')} events${bulk.inline ? '' : ' (separate sample)'}`,
  );
  log(`raw ${raw.name}: bringing closed months into the store's compacted layout`);
  let t = nowMs();
  await raw.settle?.();
  const settleMs = nowMs() - t;
  log(`raw ${raw.name}: settled in ${(settleMs / 1000).toFixed(1)} s; queries`);
  t = nowMs();
  const dash = await timeRuns(runs, (i) => raw.dashboard(caseAt(i)));
  const monthlyMs = median(await timeRuns(5, () => raw.monthlySum()));
  const mauMs = median(await timeRuns(5, () => raw.monthlyActive()));
  const sig = {
    dash: await raw.dashboard(caseAt(0)),
    monthly: sum(await raw.monthlySum()),
    mau: sum(await raw.monthlyActive()),
  };
  const diskBytes = await raw.diskBytes();
  log(`raw ${raw.name}: queries and disk took ${((nowMs() - t) / 1000).toFixed(1)} s`);
  await raw.close();
  // Up to 10 GB at full scale: freed before the server side writes as much again.
  rmSync(dir, { recursive: true, force: true });
  return {
    name: raw.name,
    durable,
    bulk,
    settleMs,
    dash,
    monthlyMs,
    mauMs,
    sig,
    diskBytes,
    diskPerEvent: diskBytes / data.n,
  };
}
