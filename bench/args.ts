// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  events: number;
  scaleName: string;
  store: 'embedded' | 'clickhouse';
  clickhouseUrl: string | undefined;
  connections: number;
  batch: number;
  runs: number;
  backgroundRate: number;
  workDir: string;
  append: boolean;
  note: string;
}

const SCALES: Record<string, number> = { quick: 1_000_000, medium: 10_000_000, full: 100_000_000 };

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
      note: { type: 'string', default: '' },
    },
  });
  const scale = values.scale ?? 'quick';
  const preset = SCALES[scale];
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
  return {
    events,
    scaleName: values.events === undefined ? scale : `${events.toLocaleString('en-US')} events`,
    store,
    clickhouseUrl,
    connections: Number(values.connections),
    batch: Number(values.batch),
    runs: Number(values.runs),
    backgroundRate: Number(values['background-rate']),
    workDir: values['work-dir'] ?? '.tmp/bench',
    append: !values['no-append'],
    note: values.note ?? '',
  };
}
