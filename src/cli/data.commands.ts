import { type Command, Option } from 'commander';
import type { MeterWire } from '../contract/meter.js';
import type { MeterQueryResult } from '../contract/meter-query.js';
import { FILE_FORMATS } from './event-source.js';
import { call, expectOk, jsonArgument, type Target } from './http-client.js';
import { integerAtLeast, outputOption } from './options.js';
import type { Column } from './table.js';

function target(program: Command): Target {
  const o = program.opts<{ url: string; key?: string }>();
  return { url: o.url, ...(o.key ? { key: o.key } : {}) };
}

/** A meter in a list: the columns that tell meters apart (the full JSON is one --output away). */
const meterColumns: Column<MeterWire>[] = [
  { header: 'slug', value: (m) => m.slug },
  { header: 'aggregation', value: (m) => m.aggregation },
  { header: 'event type', value: (m) => m.eventType },
  { header: 'value property', value: (m) => m.valueProperty },
  { header: 'group by', value: (m) => Object.keys(m.groupBy ?? {}) },
];

function queryColumns(r: MeterQueryResult): Column<MeterQueryResult['data'][number]>[] {
  const dims = [...new Set(r.data.flatMap((row) => Object.keys(row.groupBy ?? {})))].sort();
  return [
    { header: 'windowStart', value: (row) => row.windowStart },
    { header: 'windowEnd', value: (row) => row.windowEnd },
    ...(r.data.some((row) => row.subject !== null)
      ? [{ header: 'subject', value: (row: MeterQueryResult['data'][number]) => row.subject }]
      : []),
    ...dims.map((d) => ({
      header: d,
      value: (row: MeterQueryResult['data'][number]) => row.groupBy?.[d],
    })),
    { header: 'value', value: (row) => row.value, align: 'right' },
  ];
}

export function registerDataCommands(program: Command): void {
  program
    .command('ingest <file>')
    .description(
      'send events from an NDJSON, JSON or CSV file, streamed in batches (see docs/cli.md)',
    )
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(
        FILE_FORMATS as string[],
      ),
    )
    .option('--batch <n>', 'events per request', integerAtLeast(1), 1000)
    .option(
      '--from-line <n>',
      'skip the lines before line n (1-based), to resume after a failure',
      integerAtLeast(1),
      1,
    )
    .option(
      '--numbers <columns>',
      'CSV: data columns to send as numbers, comma-separated (besides meter value columns)',
      (v: string, previous: string[]) => [
        ...previous,
        ...v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ],
      [] as string[],
    )
    .action(
      async (
        file: string,
        o: { format?: string; batch: number; fromLine: number; numbers: string[] },
      ) => {
        const { runIngest } = await import('./ingest.js');
        await runIngest(target(program), file, o);
      },
    );

  program
    .command('query <meter>')
    .description('query a meter')
    .option('--from <time>', 'RFC 3339 or epoch ms (inclusive)')
    .option('--to <time>', 'RFC 3339 or epoch ms (exclusive)')
    .option('--window <size>', 'MINUTE | PT15M | HOUR | DAY | WEEK | MONTH | YEAR')
    .option('--tz <zone>', 'IANA zone or offset such as +05:45')
    .option('--group-by <dims...>', 'dimensions (or subject)')
    .option('--subject <subjects...>', 'only these subjects')
    .option('--filter <dim=value...>', 'dimension filters')
    .option('--mode <mode>', 'incremental | cumulative | rolling')
    .option('--rolling-span <span>', 'e.g. P30D')
    .addOption(outputOption(['table', 'json', 'csv']))
    .action(async (meter: string, o: Record<string, string | string[] | undefined>) => {
      const p = new URLSearchParams();
      const set = (k: string, v: string | string[] | undefined) => {
        for (const x of v === undefined ? [] : Array.isArray(v) ? v : [v]) p.append(k, x);
      };
      set('from', o.from);
      set('to', o.to);
      set('windowSize', o.window);
      set('windowTimeZone', o.tz);
      set('groupBy', o.groupBy);
      set('subject', o.subject);
      set('aggregationMode', o.mode);
      set('rollingSpan', o.rollingSpan);
      for (const f of (o.filter as string[] | undefined) ?? []) {
        const [k, ...v] = f.split('=');
        p.append(`filterGroupBy[${k}]`, v.join('='));
      }
      const csv = o.output === 'csv';
      const res = await expectOk(
        await call(
          target(program),
          'GET',
          `/api/v1/meters/${encodeURIComponent(meter)}/query?${p}`,
          undefined,
          {
            Accept: csv ? 'text/csv' : 'application/json',
          },
        ),
      );
      if (csv) return void process.stdout.write(await res.text());
      const r = (await res.json()) as MeterQueryResult;
      if (o.output === 'json') return void console.log(JSON.stringify(r, null, 2));
      const { renderTable } = await import('./table.js');
      console.log(renderTable(r.data, queryColumns(r)));
    });

  const meters = program.command('meters').description('manage meters');
  meters
    .command('list')
    .addOption(outputOption(['table', 'json']))
    .action(async (o: { output: string }) => {
      const res = await expectOk(await call(target(program), 'GET', '/api/v1/meters'));
      const { printList } = await import('./table.js');
      printList(o.output, (await res.json()) as MeterWire[], meterColumns);
    });
  meters
    .command('create <json>')
    .description('create a meter from a JSON MeterCreate body')
    .action(async (json: string) => {
      const body = jsonArgument('<json>', json);
      const res = await expectOk(await call(target(program), 'POST', '/api/v1/meters', body));
      console.log(JSON.stringify(await res.json(), null, 2));
    });
  meters
    .command('update <slug> <json>')
    .description(
      'update a meter from a JSON MeterUpdate body: name, description, metadata, groupBy (a groupBy change re-extracts stored events)',
    )
    .action(async (slug: string, json: string) => {
      const body = jsonArgument('<json>', json);
      const res = await expectOk(
        await call(target(program), 'PUT', `/api/v1/meters/${encodeURIComponent(slug)}`, body),
      );
      console.log(JSON.stringify(await res.json(), null, 2));
    });
  meters.command('get <slug>').action(async (slug: string) => {
    const res = await expectOk(
      await call(target(program), 'GET', `/api/v1/meters/${encodeURIComponent(slug)}`),
    );
    console.log(JSON.stringify(await res.json(), null, 2));
  });
  meters.command('delete <slug>').action(async (slug: string) => {
    await expectOk(
      await call(target(program), 'DELETE', `/api/v1/meters/${encodeURIComponent(slug)}`),
    );
    console.log(`deleted ${slug}`);
  });
}
