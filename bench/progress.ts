// Progress lines on stderr: a full run lasts hours, so every line says how long the run has been
// going, and long phases print a heartbeat and an estimate of when they end.
import { nowMs } from './stats.js';

const runStarted = nowMs();
let phaseName = '';
let phaseStarted = runStarted;
const finished: string[] = [];

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function log(msg: string): void {
  const clock = new Date().toISOString().slice(11, 19);
  console.error(`[bench ${clock} +${fmtDuration(nowMs() - runStarted)}] ${msg}`);
}

/** Starts the next phase: the heartbeat reports it, and the one before is timed. */
export function phase(name: string): void {
  const now = nowMs();
  if (phaseName) finished.push(`${phaseName} ${fmtDuration(now - phaseStarted)}`);
  phaseName = name;
  phaseStarted = now;
  log(name);
}

/** "name duration" of every phase so far (the current one included), and of the whole run. */
export function phaseDurations(): { phases: string[]; total: string } {
  const now = nowMs();
  const current = phaseName ? [`${phaseName} ${fmtDuration(now - phaseStarted)}`] : [];
  return { phases: [...finished, ...current], total: fmtDuration(now - runStarted) };
}

/**
 * Every `everyMs`, logs the current phase and how long it has run, so a phase without progress
 * of its own (a raw engine's rewrite, a wait for compaction) still shows that the run is alive.
 */
export function startHeartbeat(extra: () => string, everyMs = 60_000): () => void {
  const timer = setInterval(() => {
    log(`... ${phaseName}: ${fmtDuration(nowMs() - phaseStarted)} so far (${extra()})`);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Counts done of total for a long loop; logs rate and time left at most every `everyMs`. */
export class Progress {
  private readonly started = nowMs();
  private lastLog = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly everyMs = 30_000,
  ) {}

  update(done: number, extra = ''): void {
    const now = nowMs();
    if (done < this.total && now - this.lastLog < this.everyMs) return;
    this.lastLog = now;
    const elapsed = now - this.started;
    const rate = (done / elapsed) * 1000;
    const left = ((this.total - done) / rate) * 1000;
    const pct = ((100 * done) / this.total).toFixed(1);
    log(
      `${this.label}: ${done.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')} (${pct}%), ${Math.round(rate).toLocaleString('en-US')}/s, ${done < this.total ? `about ${fmtDuration(left)} left` : `took ${fmtDuration(elapsed)}`}${extra ? `; ${extra}` : ''}`,
    );
  }
}
