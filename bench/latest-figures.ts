// The "Latest figures" section of docs/benchmarks.md: one table per store with a column per scale,
// rewritten in place by every recorded run for its store and scale. The figures behind the tables
// live in a JSON comment inside the section, so a run replaces its own column and keeps the others.
import type { ScaleKey } from './args.js';
import { fmtCount, type Row } from './report.js';
import { verdict } from './targets.js';

export type StoreKey = 'embedded' | 'clickhouse';

export interface SummaryCell {
  tally: string;
  raw: string;
  typed: string;
  verdict: string;
}

export interface SummaryRun {
  events: number;
  /** UTC date and time of the run, e.g. "2026-12-06 04:22". */
  date: string;
  commit: string;
  rawName: string;
  cells: Record<string, SummaryCell>;
  /** What the run measured about its misses (one line per failing figure). */
  why: string[];
}

export type LatestFigures = Record<StoreKey, Partial<Record<ScaleKey, SummaryRun>>>;

export const BEGIN = '<!-- bench:latest-figures:begin (rewritten by npm run bench) -->';
export const END = '<!-- bench:latest-figures:end -->';
const DATA = '<!-- bench:latest-figures:data ';

const SCALES: ScaleKey[] = ['quick', 'medium', 'full', 'custom'];
const STORE_TITLES: Record<StoreKey, string> = {
  embedded: 'Embedded store (DuckDB)',
  clickhouse: 'ClickHouse store',
};

/** The rows of the summary, in order, with labels that do not depend on a run's options. */
export const SUMMARY_ROWS: { key: string; label: string; target: string }[] = [
  {
    key: 'ingest',
    label: 'HTTP ingest rate, durable acknowledgement',
    target: '>= 200,000 events/s and >= 50% of raw',
  },
  { key: 'cpu', label: 'server CPU per ingested event', target: '<= 10 µs' },
  { key: 'visible', label: 'ack -> visible in queries, p99 (p50)', target: 'p99 <= 1 s' },
  {
    key: 'dash-idle',
    label: 'dashboard query p50 / p99, idle',
    target: 'p50 <= 20 ms, p99 <= 100 ms',
  },
  {
    key: 'dash-load',
    label: 'dashboard query p50 / p99 while 10,000 events/s arrive',
    target: 'p50 <= 20 ms, p99 <= 100 ms',
  },
  { key: 'monthly-sum', label: 'monthly SUM, whole year, all customers', target: '<= 500 ms' },
  {
    key: 'monthly-active',
    label: 'exact monthly active, month to date, daily points for a year',
    target: '<= 2 s',
  },
  {
    key: 'rss-10',
    label: 'server RSS at 10% of the events (10 M at full scale)',
    target: '<= 1.5 GB',
  },
  {
    key: 'rss-50',
    label: 'server RSS at 50% of the events (50 M at full scale)',
    target: '<= 1.5 GB',
  },
  {
    key: 'rss-100',
    label: 'server RSS at 100% of the events (100 M at full scale)',
    target: '<= 1.5 GB',
  },
  {
    key: 'rss-growth',
    label: 'server RSS growth from 10% to 100% of the events',
    target: '<= +10%',
  },
  {
    key: 'rss-after',
    label: 'server RSS after compaction and queries (peak)',
    target: '<= 1.5 GB',
  },
  { key: 'restart', label: 'ready after a graceful restart', target: '<= 10 s' },
  {
    key: 'crash-restart',
    label: 'ready after kill -9 and restart, acknowledged events kept',
    target: '<= 10 s',
  },
  { key: 'disk', label: 'disk bytes per stored event', target: '<= 48 B' },
];

export function summaryRun(
  rows: Row[],
  meta: Omit<SummaryRun, 'cells' | 'why'>,
  why: string[],
): SummaryRun {
  const cells: Record<string, SummaryCell> = {};
  for (const r of rows) {
    cells[r.key] = { tally: r.tally, raw: r.raw, typed: r.typed, verdict: verdict(r.checks) };
  }
  return { ...meta, cells, why };
}

export function emptyLatest(): LatestFigures {
  return { embedded: {}, clickhouse: {} };
}

/** The figures stored in the document's section, or none when it has no section yet. */
export function readLatest(doc: string): LatestFigures {
  const at = doc.indexOf(DATA);
  if (at < 0) return emptyLatest();
  const end = doc.indexOf(' -->', at);
  return { ...emptyLatest(), ...(JSON.parse(doc.slice(at + DATA.length, end)) as LatestFigures) };
}

function cellText(c: SummaryCell | undefined, rawName: string): string {
  if (!c) return 'not measured';
  const [word, miss] = c.verdict.startsWith('FAIL: ')
    ? ['**FAIL**', c.verdict.slice(6)]
    : [c.verdict === 'PASS' ? 'PASS' : c.verdict, ''];
  const shown = (v: string): boolean => v !== '' && !v.startsWith('n/a') && v !== 'not measured';
  const beside = [
    shown(c.raw) ? `raw ${rawName} ${c.raw}` : '',
    shown(c.typed) ? `loop ${c.typed}` : '',
  ].filter((s) => s !== '');
  const head = `${word === 'n/a' ? '' : `${word} `}${c.tally}${miss ? ` (misses: ${miss})` : ''}`;
  return [head, ...beside].join(' · ').replaceAll('|', '\\|');
}

function columnHead(scale: ScaleKey, run: SummaryRun): string {
  const name = scale === 'custom' ? 'other' : scale;
  return `${name}: ${fmtCount(run.events)} events (${run.date}, ${run.commit})`;
}

function renderStore(store: StoreKey, runs: Partial<Record<ScaleKey, SummaryRun>>): string[] {
  const scales = SCALES.filter((s) => runs[s] !== undefined);
  const out = [`### ${STORE_TITLES[store]}`, ''];
  if (scales.length === 0) return [...out, 'No run recorded yet.', ''];
  const cols = scales.map((s) => runs[s] as SummaryRun);
  out.push(
    `| figure | target | ${scales.map((s, i) => columnHead(s, cols[i] as SummaryRun)).join(' | ')} |`,
    `|---|---|${cols.map(() => '---|').join('')}`,
  );
  for (const row of SUMMARY_ROWS) {
    const cells = cols.map((run) => cellText(run.cells[row.key], run.rawName));
    out.push(`| ${row.label} | ${row.target} | ${cells.join(' | ')} |`);
  }
  // The largest run's reasons: the one the targets are about.
  const largest = cols.reduce((a, b) => (b.events > a.events ? b : a));
  if (largest.why.length > 0) {
    out.push(
      '',
      `What the ${fmtCount(largest.events)}-event run measured about its misses:`,
      '',
      ...largest.why.map((w) => `- ${w}`),
    );
  }
  out.push('');
  return out;
}

export function renderLatest(latest: LatestFigures): string {
  const data = JSON.stringify(latest).replaceAll('--', '-\\u002d');
  return [
    BEGIN,
    `${DATA}${data} -->`,
    '',
    ...renderStore('embedded', latest.embedded),
    ...renderStore('clickhouse', latest.clickhouse),
    END,
  ].join('\n');
}

/**
 * The document with the run's column replaced (or added) in its store's table. A document without
 * the section gets it after its first heading.
 */
export function updateLatest(
  doc: string,
  store: StoreKey,
  scale: ScaleKey,
  run: SummaryRun,
): string {
  const latest = readLatest(doc);
  latest[store] = { ...latest[store], [scale]: run };
  const block = renderLatest(latest);
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin >= 0 && end > begin) return doc.slice(0, begin) + block + doc.slice(end + END.length);
  const firstLineEnd = doc.indexOf('\n');
  if (firstLineEnd < 0) return `${doc}\n\n## Latest figures\n\n${block}\n`;
  return `${doc.slice(0, firstLineEnd + 1)}\n## Latest figures\n\n${block}\n${doc.slice(firstLineEnd + 1)}`;
}
