// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util';

export const PHASES = ['typed', 'raw', 'tally', 'restart'] as const;
export type Phase = (typeof PHASES)[number];
export type ScaleKey = 'quick' | 'medium' | 'full' | 'custom';

export interface BenchOptions {
  events: number;
  /** The named scale, or 'custom' for an --events count that is none of them. */
  scale: ScaleKey;
  scaleName: string;
  store: 'embedded' | 'clickhouse';
  clickhouseUrl: string | undefined;
  connections: number;
  batch: number;
  runs: number;
  backgroundRate: number;
  workDir: string;
  append: boolean;
  /** The document the run log and the latest figures are written to. */
  doc: string;
  note: string;
  /** Which parts run; anything but all of them is for testing the harness and is never recorded. */
  phases: ReadonlySet<Phase>;
  /** The raw engine's first events, committed per --batch like the server's acknowledgements. */
  rawDurableEvents: number;
  /** Events per commit for the raw engine's remaining events (large runs only). */
  rawBulkCommit: number;
  /** Stored-event counts at which the server's memory is sampled during ingest. */
  checkpoints: number[];
}

const SCALES: Record<Exclude<ScaleKey, 'custom'>, number> = {
  quick: 1_000_000,
  medium: 10_000_000,
  full: 100_000_000,
};

/** Above this many events, the raw engine commits per --raw-bulk-commit after its durable sample. */
export const RAW_DURABLE_LIMIT = 10_000_000;

function scaleOf(events: number): ScaleKey {
  const named = Object.entries(SCALES).find(([, n]) => n === events);
  return (named?.[0] as ScaleKey | undefined) ?? 'custom';
}

function positiveInt(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      scale: { type: 'string', default: 'quick' },
      store: { type: 'string', default: 'embedded' },
      'clickhouse-url': { type: 'string' },
      connections: { type: 'string', default: '4' },
      batch: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '200' },
      'background-rate': { type: 'string', default: '10000' },
      'work-dir': { type: 'string', default: '.tmp/bench' },
      'no-append': { type: 'boolean', default: false },
      doc: { type: 'string', default: 'docs/benchmarks.md' },
      note: { type: 'string', default: '' },
      phases: { type: 'string', default: PHASES.join(',') },
      'raw-durable-events': { type: 'string' },
      'raw-bulk-commit': { type: 'string', default: '100000' },
    },
  });
  const scale = values.scale ?? 'quick';
  const preset = SCALES[scale as keyof typeof SCALES];
  if (values.events === undefined && preset === undefined) {
    throw new Error(`unknown --scale ${scale} (known: ${Object.keys(SCALES).join(', ')})`);
  }
  const events = values.events === undefined ? (preset ?? 0) : Number(values.events);
  if (!Number.isInteger(events) || events < 10_000)
    throw new Error('--events must be an integer >= 10000');
  const store = values.store;
  if (store !== 'embedded' && store !== 'clickhouse')
    throw new Error('--store must be embedded or clickhouse');
  const clickhouseUrl = values['clickhouse-url'] ?? process.env.TALLY_CLICKHOUSE_URL;
  if (store === 'clickhouse' && !clickhouseUrl)
    throw new Error('--store clickhouse needs --clickhouse-url');
  const phases = new Set<Phase>();
  for (const p of (values.phases ?? '').split(',').filter((s) => s !== '')) {
    if (!(PHASES as readonly string[]).includes(p))
      throw new Error(`unknown phase ${p} (known: ${PHASES.join(', ')})`);
    phases.add(p as Phase);
  }
  if (phases.has('restart') && !phases.has('tally'))
    throw new Error('--phases restart needs tally (it restarts the server on its data)');
  const batch = positiveInt('batch', values.batch);
  const rawDurableEvents =
    values['raw-durable-events'] === undefined
      ? events > RAW_DURABLE_LIMIT
        ? 1_000_000
        : events
      : Math.min(events, positiveInt('raw-durable-events', values['raw-durable-events']));
  const rawBulkCommit = positiveInt('raw-bulk-commit', values['raw-bulk-commit']);
  if ((rawDurableEvents < events && rawDurableEvents % batch !== 0) || rawBulkCommit % batch !== 0)
    throw new Error('--raw-durable-events and --raw-bulk-commit must be multiples of --batch');
  const key = values.events === undefined ? (scale as ScaleKey) : scaleOf(events);
  return {
    events,
    scale: key,
    scaleName: key === 'custom' ? `${events.toLocaleString('en-US')} events` : key,
    store,
    clickhouseUrl,
    connections: positiveInt('connections', values.connections),
    batch,
    runs: positiveInt('runs', values.runs),
    backgroundRate: positiveInt('background-rate', values['background-rate']),
    workDir: values['work-dir'] ?? '.tmp/bench',
    append: !values['no-append'],
    doc: values.doc ?? 'docs/benchmarks.md',
    note: values.note ?? '',
    phases,
    rawDurableEvents,
    rawBulkCommit,
    checkpoints: [
      ...new Set([0.1, 0.5].map((f) => Math.max(batch, Math.round((events * f) / batch) * batch))),
    ]
      .filter((n) => n < events)
      .concat(events),
  };
}
