// Every figure of a run as a table row: Tally beside the raw engine and the typed-array loop, the
// target, and the checks that decide PASS or FAIL (and by how much a FAIL misses).
import type { BenchOptions } from './args.js';
import type { RawResult } from './raw-side.js';
import { fmtBytes, fmtCount, fmtMs, fmtRate, type Row, ratio } from './report.js';
import type { RestartResult } from './restart-phase.js';
import { percentile } from './stats.js';
import type { MemorySample, TallyResult } from './tally-phase.js';
import { type Check, TARGET } from './targets.js';
import { TYPED_BYTES_PER_EVENT, type TypedResult } from './typed-side.js';

export interface RunResults {
  opts: BenchOptions;
  cores: number;
  rawName: string;
  typed?: TypedResult;
  raw?: RawResult;
  tally?: TallyResult;
  restart?: RestartResult;
  /** RSS of an engine server process (ClickHouse) at the end of the run. */
  engineServerRss?: number;
}

const NM = 'not measured';
const p = (xs: number[] | undefined, q: number): number =>
  xs === undefined ? Number.NaN : percentile(xs, q);
const us = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} µs` : NM);
const lower = (what: string, value: number, limit: number): Check => ({
  what,
  value,
  limit,
  better: 'lower',
});
const higher = (what: string, value: number, limit: number): Check => ({
  what,
  value,
  limit,
  better: 'higher',
});

function ingestRows(r: RunResults): Row[] {
  const { opts, raw, tally, typed } = r;
  const rate = tally?.perSecond ?? Number.NaN;
  const rawRate = raw?.durable.perSecond ?? Number.NaN;
  const commit = (n: number): string => `commit per ${n.toLocaleString('en-US')}`;
  const rawText = raw
    ? `${fmtRate(raw.durable.perSecond)} (${commit(raw.durable.commitEvery)}${raw.durable.events < opts.events ? `, first ${fmtCount(raw.durable.events)}` : ''}); ${fmtRate(raw.bulk.perSecond)} (${commit(raw.bulk.commitEvery)}, ${raw.bulk.inline ? `the other ${fmtCount(raw.bulk.events)}` : `separate sample of ${fmtCount(raw.bulk.events)}`})`
    : NM;
  const cpu = tally?.cpu;
  const others = cpu ? cpu.machineCores - cpu.serverCores - cpu.clientCores : Number.NaN;
  const ingestWhy = cpu
    ? `while sending, the server kept ${cpu.serverCores.toFixed(2)} cores busy, the client ${cpu.clientCores.toFixed(2)} and other processes ${Math.max(0, others).toFixed(2)} of the ${r.cores}; ${cpu.machineCores < 0.9 * r.cores ? 'the cores were not saturated, so acknowledgement latency (fsync, flow control, compaction on the writer) bounds the rate' : `the machine was CPU-bound${others > 0.2 * r.cores ? ' (other processes took a share: the rate is pessimistic)' : ''}; at ${cpu.usPerEvent.toFixed(1)} µs of server CPU per event, ${r.cores} cores allow about ${fmtRate((r.cores * 1e6) / cpu.usPerEvent)}`}`
    : undefined;
  const rawCpu = raw
    ? `${us(raw.durable.cpuUsPerEvent)} (${commit(raw.durable.commitEvery)}), ${us(raw.bulk.cpuUsPerEvent)} (${commit(raw.bulk.commitEvery)})${raw.durable.engineServerUsPerEvent > 0 ? `, of which the ClickHouse server ${us(raw.durable.engineServerUsPerEvent)} / ${us(raw.bulk.engineServerUsPerEvent)}` : ''}`
    : NM;
  const mainUs = cpu?.mainThreadUsPerEvent ?? Number.NaN;
  const allUs = cpu?.usPerEvent ?? Number.NaN;
  return [
    {
      key: 'ingest',
      figure: `HTTP ingest rate, durable acknowledgement (batches of ${opts.batch.toLocaleString('en-US')}, ${opts.connections} connections)`,
      target: '>= 200,000 events/s and >= 50% of raw',
      tally: fmtRate(rate),
      raw: rawText,
      typed: typed ? fmtRate((opts.events / typed.ingestMs) * 1000) : NM,
      vsRaw: Number.isFinite(rate / rawRate)
        ? `${((100 * rate) / rawRate).toFixed(0)}% of raw`
        : '',
      checks: [
        higher('rate', rate, TARGET.ingestPerSecond),
        higher('share of raw', rate / rawRate, TARGET.ingestShareOfRaw),
      ],
      ...(ingestWhy ? { why: ingestWhy } : {}),
    },
    {
      key: 'cpu',
      figure: 'server CPU per ingested event',
      target: '<= 10 µs',
      tally: cpu
        ? `${us(allUs)} (main thread ${us(mainUs)}, other threads ${us(allUs - mainUs)})${cpu.engineServerUsPerEvent > 0 ? `; the ClickHouse server ${us(cpu.engineServerUsPerEvent)} on top` : ''}`
        : NM,
      raw: rawCpu,
      typed: typed ? `${((typed.ingestMs * 1000) / opts.events).toFixed(2)} µs (one core)` : NM,
      vsRaw: raw ? ratio(allUs, raw.durable.cpuUsPerEvent) : '',
      checks: [lower('', allUs, TARGET.serverCpuUsPerEvent)],
      why: `the main thread (JS: parsing, validation, extraction, ${opts.store === 'clickhouse' ? 'rendering the insert bodies' : 'appender calls'}, GC) used ${us(mainUs)} per event and the other threads (${opts.store === 'clickhouse' ? 'libuv and the HTTP client; the ClickHouse server is counted apart' : "DuckDB's own threads: fold, checkpoints, compaction; libuv"}) ${us(allUs - mainUs)}; JSON.parse alone of the same bodies in one thread runs at ${fmtRate(typed?.jsonParsePerSecond ?? Number.NaN)}`,
    },
  ];
}

function queryRows(r: RunResults): Row[] {
  const { opts, raw, tally, typed } = r;
  const vis = tally ? [...tally.visIdle, ...tally.visLoad] : undefined;
  const pair = (xs: number[] | undefined): string =>
    xs ? `${fmtMs(p(xs, 50))} / ${fmtMs(p(xs, 99))}` : NM;
  const dashChecks = (xs: number[] | undefined): Check[] => [
    lower('p50', p(xs, 50), TARGET.dashboardP50Ms),
    lower('p99', p(xs, 99), TARGET.dashboardP99Ms),
  ];
  const bg = tally?.background;
  return [
    {
      key: 'visible',
      figure: 'ack -> visible in queries, p99 (p50), idle and while ingesting',
      target: 'p99 <= 1 s',
      tally: vis ? `${fmtMs(p(vis, 99))} (${fmtMs(p(vis, 50))}) of ${vis.length}` : NM,
      raw: 'n/a (a commit is visible)',
      typed: 'n/a',
      vsRaw: '',
      checks: [lower('', p(vis, 99), TARGET.visibleP99Ms)],
    },
    {
      key: 'dash-idle',
      figure: `dashboard query p50 / p99, idle (${opts.runs} runs)`,
      target: 'p50 <= 20 ms, p99 <= 100 ms',
      tally: pair(tally?.dashIdle),
      raw: pair(raw?.dash),
      typed: pair(typed?.dash),
      vsRaw: ratio(p(tally?.dashIdle, 50), p(raw?.dash, 50)),
      checks: dashChecks(tally?.dashIdle),
    },
    {
      key: 'dash-load',
      figure: `dashboard query p50 / p99 while ${opts.backgroundRate.toLocaleString('en-US')} events/s arrive`,
      target: 'p50 <= 20 ms, p99 <= 100 ms',
      tally: tally
        ? `${pair(tally.dashLoad)} (load achieved ${fmtRate(bg?.perSecond ?? Number.NaN)}${bg?.ranOut ? ', then ran out of prepared events' : ''})`
        : NM,
      raw: 'n/a',
      typed: 'n/a',
      vsRaw: ratio(p(tally?.dashLoad, 50), p(raw?.dash, 50)),
      checks: dashChecks(tally?.dashLoad),
      ...(tally
        ? {
            why: `the server's event loop was delayed by up to ${fmtMs(tally.loadLag.maxMs)} (p99 ${fmtMs(tally.loadLag.p99Ms)}) meanwhile: a query waits behind synchronous work on the main thread and behind the fold of what arrived before it`,
          }
        : {}),
    },
    {
      key: 'monthly-sum',
      figure: 'monthly SUM, whole year, all customers (median of 5)',
      target: '<= 500 ms',
      tally: fmtMs(tally?.monthlyMs ?? Number.NaN),
      raw: fmtMs(raw?.monthlyMs ?? Number.NaN),
      typed: fmtMs(typed?.monthlyMs ?? Number.NaN),
      vsRaw: ratio(tally?.monthlyMs ?? Number.NaN, raw?.monthlyMs ?? Number.NaN),
      checks: [lower('', tally?.monthlyMs ?? Number.NaN, TARGET.monthlySumMs)],
    },
    {
      key: 'monthly-active',
      figure: 'exact monthly active, month to date, daily points for a year (median of 5)',
      target: '<= 2 s',
      tally: fmtMs(tally?.mauMs ?? Number.NaN),
      raw: fmtMs(raw?.mauMs ?? Number.NaN),
      typed: fmtMs(typed?.mauMs ?? Number.NaN),
      vsRaw: ratio(tally?.mauMs ?? Number.NaN, raw?.mauMs ?? Number.NaN),
      checks: [lower('', tally?.mauMs ?? Number.NaN, TARGET.monthlyActiveMs)],
    },
  ];
}

function memoryWhy(s: MemorySample): string {
  const rest = s.rss - s.heapUsed - s.external;
  return `of the ${fmtBytes(s.rss)}, the V8 heap in use was ${fmtBytes(s.heapUsed)}, V8 external memory ${fmtBytes(s.external)}, and the rest (${fmtBytes(rest)}) native: DuckDB's buffer pool (capped by its memory_limit), allocator slack, code`;
}

function memoryRows(r: RunResults): Row[] {
  const { opts, tally } = r;
  const cps = tally?.checkpoints ?? [];
  const engine =
    r.engineServerRss === undefined
      ? 'n/a'
      : `server process ${fmtBytes(r.engineServerRss)} at the end`;
  const rows: Row[] = opts.checkpoints.map((at, i) => {
    const s = cps[i];
    const pct = Math.round((100 * at) / opts.events);
    return {
      key: `rss-${pct}`,
      figure: `server RSS at ${pct}% of the events, fold caught up (peak so far)`,
      target: '<= 1.5 GB',
      tally: s ? `${fmtBytes(s.rss)} at ${fmtCount(s.sent)} (${fmtBytes(s.peak)})` : NM,
      raw: i === opts.checkpoints.length - 1 ? engine : 'n/a',
      typed: `${fmtBytes(at * TYPED_BYTES_PER_EVENT)} (its columns)`,
      vsRaw: '',
      checks: [lower('', s?.rss ?? Number.NaN, TARGET.rssBytes)],
      ...(s ? { why: memoryWhy(s) } : {}),
    };
  });
  const first = cps[0];
  const last = cps[cps.length - 1];
  const growth = first && last ? last.rss / first.rss - 1 : Number.NaN;
  rows.push({
    key: 'rss-growth',
    figure: 'server RSS growth from the first checkpoint to the last',
    target: '<= +10%',
    tally:
      first && last
        ? `${growth >= 0 ? '+' : ''}${(100 * growth).toFixed(0)}% (${fmtCount(first.sent)}: ${fmtBytes(first.rss)}, ${fmtCount(last.sent)}: ${fmtBytes(last.rss)})`
        : NM,
    raw: 'n/a',
    typed:
      first && last
        ? `+${(100 * (last.sent / first.sent - 1)).toFixed(0)}% (grows with the data)`
        : NM,
    vsRaw: '',
    checks: [lower('', growth, TARGET.rssGrowth)],
    ...(first && last
      ? {
          why: `V8 heap ${fmtBytes(first.heapUsed)} -> ${fmtBytes(last.heapUsed)}, external ${fmtBytes(first.external)} -> ${fmtBytes(last.external)}, native ${fmtBytes(first.rss - first.heapUsed - first.external)} -> ${fmtBytes(last.rss - last.heapUsed - last.external)}`,
        }
      : {}),
  });
  rows.push({
    key: 'rss-after',
    figure: 'server RSS after compaction and the query phases (peak of the process)',
    target: '<= 1.5 GB',
    tally: tally ? `${fmtBytes(tally.memAfter.rss)} (${fmtBytes(tally.memAfter.peak)})` : NM,
    raw: 'n/a',
    typed: 'n/a',
    vsRaw: '',
    checks: [lower('', tally?.memAfter.rss ?? Number.NaN, TARGET.rssBytes)],
  });
  return rows;
}

function restartRows(r: RunResults): Row[] {
  const g = r.restart?.graceful;
  const c = r.restart?.crash;
  const ready = (s: typeof g): string =>
    s ? (s.ready ? fmtMs(s.readyMs) : `never ready: ${s.error ?? '?'}`) : NM;
  const after = (s: typeof g): string =>
    s?.ready ? `; then RSS ${fmtBytes(s.rss)}, start peak ${fmtBytes(s.peak)}` : '';
  const found = c ? c.stored - c.storedBefore : Number.NaN;
  return [
    {
      key: 'restart',
      figure: 'ready after a graceful restart on the data (spawn to /readyz 200)',
      target: '<= 10 s',
      tally: g
        ? `${ready(g)}${after(g)}; the graceful stop took ${fmtMs(r.tally?.stopMs ?? Number.NaN)}`
        : NM,
      raw: 'n/a',
      typed: 'n/a',
      vsRaw: '',
      checks: [lower('', g?.readyMs ?? Number.NaN, TARGET.readyAfterRestartMs)],
    },
    {
      key: 'crash-restart',
      figure: 'ready after kill -9 and a restart, every acknowledged event kept',
      target: '<= 10 s',
      tally: c
        ? `${ready(c)}${after(c)}; ${c.ready ? `${found.toLocaleString('en-US')} of the ${c.acked.toLocaleString('en-US')} events acknowledged just before the kill found` : ''}`
        : NM,
      raw: 'n/a',
      typed: 'n/a',
      vsRaw: '',
      checks: [
        lower('ready', c?.readyMs ?? Number.NaN, TARGET.readyAfterRestartMs),
        higher('events kept', found, c?.acked ?? Number.NaN),
      ],
    },
  ];
}

function diskRow(r: RunResults): Row {
  const { raw, tally } = r;
  const per = tally?.diskPerEvent ?? Number.NaN;
  return {
    key: 'disk',
    figure: 'disk bytes per stored event (raw event + 2 meter rows)',
    target: '<= 48 B',
    tally: tally
      ? `${per.toFixed(1)} B (${fmtBytes(tally.diskBytes)} for ${fmtCount(tally.stored)} events)`
      : NM,
    raw: raw ? `${raw.diskPerEvent.toFixed(1)} B` : NM,
    typed: `${TYPED_BYTES_PER_EVENT} B (columns, no raw JSON)`,
    vsRaw: ratio(per, raw?.diskPerEvent ?? Number.NaN),
    checks: [lower('', per, TARGET.diskBytesPerEvent)],
  };
}

export function buildRows(r: RunResults): Row[] {
  return [...ingestRows(r), ...queryRows(r), ...memoryRows(r), ...restartRows(r), diskRow(r)];
}
