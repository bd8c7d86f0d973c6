// The soak's periodic status line and its final summary.

import type { CheckpointRow } from './checkpoint.js';
import { elapsed, type RunState } from './run-state.js';

const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const n = (x: number) => x.toLocaleString('en-US');

export interface RssSample {
  atMs: number;
  pid: number;
  rss: number;
  uptimeMs: number;
}

/** Samples the server every few seconds; CPU is the share of one core since the last line. */
export class ServerWatch {
  readonly samples: RssSample[] = [];
  private lastCpu: { pid: number; cpuMs: number; at: number } | undefined;

  constructor(private readonly state: RunState) {}

  sample(): void {
    const s = this.state.server.sample();
    // A process that is exiting has no VmRSS line any more.
    if (!s || s.rss === 0) return;
    this.samples.push({
      atMs: Date.now() - this.state.startedAt,
      pid: s.pid,
      rss: s.rss,
      uptimeMs: s.uptimeMs,
    });
  }

  line(): string {
    const { stats, model } = this.state;
    // A fresh reading: the last sample may belong to a process that was killed since.
    const s = this.state.server.sample();
    let server = 'server restarting';
    if (s) {
      const now = Date.now();
      const prev = this.lastCpu;
      const cpu =
        prev && prev.pid === s.pid
          ? (s.cpuMs - prev.cpuMs) / (now - prev.at)
          : s.cpuMs / Math.max(1, s.uptimeMs);
      this.lastCpu = { pid: s.pid, cpuMs: s.cpuMs, at: now };
      server = `pid ${s.pid} up ${Math.round(s.uptimeMs / 1000)}s rss ${mb(s.rss)} (peak ${mb(s.peak)}) cpu ${Math.round(cpu * 100)}% fds ${s.fds}`;
    }
    const acked = model.acked.count.reduce((a, b) => a + b, 0);
    const unknown = model.unknown.count.reduce((a, b) => a + b, 0);
    return [
      `[soak ${elapsed(this.state)}]`,
      `acked ${n(acked)} events`,
      `unacked or in flight ${n(unknown)}`,
      `restarts ${stats.restarts} kills ${stats.kills}`,
      `queries ${n(stats.queriesOk)}`,
      server,
      `anomalies ${this.state.anomalies.length}`,
    ].join(' | ');
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const fmt = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  return [
    fmt(head ?? []),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(fmt),
  ].join('\n');
}

export function summary(
  state: RunState,
  watch: ServerWatch,
  checkpoints: CheckpointRow[],
  seed: number,
): string {
  const { stats, model } = state;
  const acked = model.acked.count.reduce((a, b) => a + b, 0);
  const rss = watch.samples.map((s) => s.rss).sort((a, b) => a - b);
  const pct = (p: number) => rss[Math.min(rss.length - 1, Math.floor(p * rss.length))] ?? 0;
  // RSS over each process's life (the longest-lived ones): growth would show as a rising row.
  const byPid = new Map<number, RssSample[]>();
  for (const s of watch.samples) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  const lives = [...byPid.entries()]
    .map(([pid, xs]) => ({ pid, xs, uptime: xs[xs.length - 1]?.uptimeMs ?? 0 }))
    .sort((a, b) => b.uptime - a.uptime)
    .slice(0, 10);
  const at = (xs: RssSample[], f: number) => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))];
  const reasons = [...stats.unackedReasons].map(([r, c]) => `${r} ${c}`).join(', ') || 'none';
  const pass = state.anomalies.length === 0 && stats.lostEvents === 0 && stats.doubleCounted === 0;
  const lines = [
    `\nsoak summary (seed ${seed}, ${elapsed(state)})`,
    table([
      ['measure', 'value'],
      ['events acknowledged (distinct ids)', n(acked)],
      ['new batches / single events', `${n(stats.batches)} / ${n(stats.singles)}`],
      [
        're-sent acked batches / singles / mixed batches',
        `${n(stats.resentBatches)} / ${n(stats.resentSingles)} / ${n(stats.mixedBatches)}`,
      ],
      ['graceful restarts (SIGTERM)', n(stats.restarts)],
      ['kill -9 (of which during start)', `${n(stats.kills)} (${n(stats.killsDuringStart)})`],
      ['requests without acknowledgement', `${n(stats.unackedRequests)} (${reasons})`],
      [
        'unacked events at checkpoints / found stored anyway',
        `${n(stats.unackedEvents)} / ${n(stats.unackedFoundStored)}`,
      ],
      ['batches retried by the client', n(stats.retriedBatches)],
      ['live queries checked / cut by a restart', `${n(stats.queriesOk)} / ${n(stats.queriesCut)}`],
      [
        'checkpoints passed',
        `${stats.checkpoints - stats.checkpointsFailed} of ${stats.checkpoints}`,
      ],
      ['server processes', n(byPid.size)],
      [
        'server RSS min / median / p95 / max',
        `${mb(pct(0))} / ${mb(pct(0.5))} / ${mb(pct(0.95))} / ${mb(pct(1))}`,
      ],
      ['acknowledged events lost', n(stats.lostEvents)],
      ['events counted twice', n(stats.doubleCounted)],
      ['anomalies', n(state.anomalies.length)],
      ['result', pass ? 'PASS' : 'FAIL'],
    ]),
    '\ncheckpoints',
    table([
      ['at', 'after', 'acked', 'unacked', 'unacked found stored', 'result'],
      ...checkpoints.map((c) => [
        c.at,
        c.label,
        n(c.acked),
        n(c.unacked),
        n(c.foundStored),
        c.ok ? 'ok' : 'FAIL',
      ]),
    ]),
  ];
  lines.push(
    '\nserver RSS over the life of the longest-lived processes (first sample, 25%, 50%, 75%, last)',
    table([
      ['pid', 'lived', 'first', '25%', '50%', '75%', 'last', 'peak'],
      ...lives.map(({ pid, xs, uptime }) => [
        String(pid),
        `${Math.round(uptime / 1000)} s`,
        ...[0, 0.25, 0.5, 0.75, 1].map((f) => mb(at(xs, f)?.rss ?? 0)),
        mb(Math.max(...xs.map((x) => x.rss))),
      ]),
    ]),
  );
  if (state.anomalies.length > 0) lines.push('\nanomalies', ...state.anomalies.slice(0, 50));
  return lines.join('\n');
}
