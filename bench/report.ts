// The result table: printed, and appended to docs/benchmarks.md with the run's context.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';

export interface Row {
  figure: string;
  target: string;
  tally: string;
  raw: string;
  typed: string;
  /** Tally against the raw engine, e.g. "37% of raw" or "2.1x raw". */
  vsRaw: string;
  pass: boolean | null;
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

export function fmtRate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}

export function fmtBytes(b: number): string {
  return b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(2)} GiB` : `${(b / (1 << 20)).toFixed(0)} MiB`;
}

export function ratio(tally: number, raw: number): string {
  return `${(tally / raw).toFixed(1)}x`;
}

export function renderTable(rows: Row[], rawName: string): string {
  const head = `| figure | target | Tally (HTTP) | raw ${rawName} | typed-array loop | Tally vs raw | pass |\n|---|---|---|---|---|---|---|`;
  const lines = rows.map(
    (r) =>
      `| ${r.figure} | ${r.target} | ${r.tally} | ${r.raw} | ${r.typed} | ${r.vsRaw} | ${r.pass === null ? 'n/a' : r.pass ? 'PASS' : 'FAIL'} |`,
  );
  return [head, ...lines].join('\n');
}

export function appendReport(
  file: string,
  title: string,
  context: string[],
  table: string,
  notes: string[],
): void {
  if (!existsSync(file)) {
    writeFileSync(
      file,
      '# Benchmarks\n\nAppended by `npm run bench` (see `bench/run.ts`); newest last. Each figure of PRODUCT.md section 7\nis measured through the HTTP API of a `tally serve` child process, beside the same work done directly in\nthe engine (raw SQL / appender, own data directory) and by a plain single-core loop over typed arrays.\n',
    );
  }
  const body = [
    `\n## ${title}\n`,
    ...context.map((c) => `- ${c}`),
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ];
  appendFileSync(file, `${body.join('\n')}\n`);
}
