// The result table of a run: printed, and appended to the run log of docs/benchmarks.md with the
// run's context.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { type Check, verdict } from './targets.js';

export interface Row {
  /** Stable name of the figure across runs (the latest-figures table is keyed by it). */
  key: string;
  figure: string;
  target: string;
  tally: string;
  raw: string;
  typed: string;
  /** Tally against the raw engine, e.g. "37% of raw" or "2.1x raw". */
  vsRaw: string;
  checks: Check[];
  /** What the run's own measurements say about a miss (thread split, heap, event-loop delay). */
  why?: string;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'not measured';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

export function fmtRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'not measured';
  return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}

/** Decimal units, as the targets are written (1.5 GB = 1.5e9 bytes). */
export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return 'not measured';
  return b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(0)} MB`;
}

/** 100 M, 2.5 M, 200 k. */
export function fmtCount(n: number): string {
  if (n >= 1e6) return `${Number((n / 1e6).toFixed(1))} M`;
  if (n >= 1e3) return `${Number((n / 1e3).toFixed(1))} k`;
  return String(n);
}

export function ratio(tally: number, raw: number): string {
  if (!Number.isFinite(tally / raw)) return '';
  return `${(tally / raw).toFixed(1)}x`;
}

export function renderTable(rows: Row[], rawName: string): string {
  const head = `| figure | target | Tally (HTTP) | raw ${rawName} | typed-array loop | Tally vs raw | verdict |\n|---|---|---|---|---|---|---|`;
  const lines = rows.map(
    (r) =>
      `| ${r.figure} | ${r.target} | ${r.tally} | ${r.raw} | ${r.typed} | ${r.vsRaw} | ${verdict(r.checks)} |`,
  );
  return [head, ...lines].join('\n');
}

/** One line per figure that missed its target, with what the run measured about why. */
export function whyLines(rows: Row[]): string[] {
  return rows
    .filter((r) => verdict(r.checks).startsWith('FAIL') && r.why)
    .map((r) => `${r.figure}: ${r.why}`);
}

export const RUN_LOG_HEADING = '## Run log';

/** Appends the run under the run log (the last section of the document), newest last. */
export function appendRunLog(
  file: string,
  title: string,
  context: string[],
  table: string,
  notes: string[],
): void {
  if (!existsSync(file)) writeFileSync(file, `# Benchmarks\n\n${RUN_LOG_HEADING}\n`);
  const body = [
    `\n### ${title}\n`,
    ...context.map((c) => `- ${c}`),
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ];
  appendFileSync(file, `${body.join('\n')}\n`);
}
