import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { IngestSummary } from '../contract/event.js';
import type { MeterQueryResult } from '../contract/meter-query.js';
import { readEventFile } from './event-file.js';
import { call, expectOk, type Target } from './http-client.js';

function target(program: Command): Target {
  const o = program.opts<{ url: string; key?: string }>();
  return { url: o.url, ...(o.key ? { key: o.key } : {}) };
}

export function registerDataCommands(program: Command): void {
  program
    .command('ingest <file>')
    .description('send events from an NDJSON, JSON or CSV file')
    .option('--format <format>', 'ndjson | json | csv (default: from the file extension)')
    .option('--batch <n>', 'events per request', '1000')
    .action(async (file: string, opts: { format?: string; batch: string }) => {
      const t = target(program);
      const events = readEventFile(file, opts.format);
      const size = Math.max(1, Number(opts.batch));
      const bar = new SingleBar({ format: 'ingest [{bar}] {value}/{total} events | {eta}s left' });
      bar.start(events.length, 0);
      const total = { accepted: 0, duplicates: 0, rejected: [] as IngestSummary['rejected'] };
      for (let i = 0; i < events.length; i += size) {
        const chunk = events.slice(i, i + size);
        let res: Response;
        for (;;) {
          res = await call(t, 'POST', '/api/v1/events', chunk, { Prefer: 'return=representation' });
          if (res.status !== 429 && res.status !== 503) break;
          await new Promise((r) =>
            setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)),
          );
        }
        const body = (await res.json().catch(() => ({}))) as Partial<IngestSummary> & {
          extensions?: Partial<IngestSummary>;
          detail?: string;
        };
        const summary = res.status === 400 ? body.extensions : body;
        if (!res.ok && res.status !== 400)
          throw new Error(`HTTP ${res.status}: ${body.detail ?? ''}`);
        if (res.status === 400 && !summary?.rejected)
          throw new Error(`HTTP 400: ${body.detail ?? ''}`);
        total.accepted += summary?.accepted ?? 0;
        total.duplicates += summary?.duplicates ?? 0;
        for (const r of summary?.rejected ?? []) total.rejected.push({ ...r, index: r.index + i });
        bar.update(Math.min(events.length, i + size));
      }
      bar.stop();
      console.log(
        `accepted ${total.accepted}, duplicates ${total.duplicates}, rejected ${total.rejected.length}`,
      );
      for (const r of total.rejected.slice(0, 50))
        console.log(`  #${r.index} ${r.id ?? '(no id)'}: ${r.reason}`);
      if (total.rejected.length > 50) console.log(`  ... and ${total.rejected.length - 50} more`);
      if (total.rejected.length > 0) process.exitCode = 1;
    });

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
    .option('--output <format>', 'table | json | csv', 'table')
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
      console.table(
        r.data.map((row) => ({
          windowStart: row.windowStart,
          windowEnd: row.windowEnd,
          ...(row.subject === null ? {} : { subject: row.subject }),
          ...row.groupBy,
          value: row.value,
        })),
      );
    });

  const meters = program.command('meters').description('manage meters');
  meters.command('list').action(async () => {
    const res = await expectOk(await call(target(program), 'GET', '/api/v1/meters'));
    const list = (await res.json()) as {
      slug: string;
      aggregation: string;
      eventType: string;
      valueProperty?: string;
      groupBy: Record<string, string>;
    }[];
    console.table(
      list.map((m) => ({
        slug: m.slug,
        aggregation: m.aggregation,
        eventType: m.eventType,
        valueProperty: m.valueProperty ?? '',
        groupBy: Object.keys(m.groupBy).join(','),
      })),
    );
  });
  meters
    .command('create <json>')
    .description('create a meter from a JSON MeterCreate body')
    .action(async (json: string) => {
      const res = await expectOk(await call(target(program), 'POST', '/api/v1/meters', json));
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
