import { statSync } from 'node:fs';
import type { IngestSummary } from '../contract/event.js';
import { numericColumns } from './csv-numbers.js';
import { readCsv } from './csv-reader.js';
import { formatOf, type ReadProgress, type SourceItem } from './event-source.js';
import { call, expectOk, type Target } from './http-client.js';
import { type Batch, batches } from './ingest-batches.js';
import { readJsonArray } from './json-reader.js';
import { readNdjson } from './ndjson-reader.js';

export interface IngestOptions {
  format?: string;
  batch: number;
  fromLine: number;
  numbers: string[];
}

/** A batch the server did not acknowledge: reading stops there, and the user resumes from it. */
class IngestStopped extends Error {
  constructor(
    readonly resumeAt: number,
    reason: string,
  ) {
    super(reason);
  }
}

const SHOWN = 50;
const MAX_ATTEMPTS = 30;

interface Totals {
  accepted: number;
  duplicates: number;
  rejected: number;
  problems: number;
  /** The first SHOWN rejections and value problems met: the rest are only counted. */
  shown: { at: number; text: string }[];
}

function note(t: Totals, at: number, text: string): void {
  if (t.shown.length < SHOWN) t.shown.push({ at, text: `  line ${at}${text}` });
}

async function meterColumns(t: Target, named: string[]) {
  const res = await call(t, 'GET', '/api/v1/meters');
  if (res.status === 401 || res.status === 403) {
    console.error(
      `tally: this key cannot list meters (HTTP ${res.status}): only the --numbers columns become numbers`,
    );
    return numericColumns([], named);
  }
  const meters = (await (await expectOk(res)).json()) as {
    eventType: string;
    valueProperty?: string;
  }[];
  return numericColumns(meters, named);
}

async function post(t: Target, b: Batch): Promise<Response> {
  const body = `[${b.parts.join(',')}]`;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await call(t, 'POST', '/api/v1/events', body, { Prefer: 'return=representation' });
    } catch (err) {
      throw new IngestStopped(b.lines[0] ?? 1, (err as Error).message);
    }
    if ((res.status !== 429 && res.status !== 503) || attempt === MAX_ATTEMPTS) return res;
    await res.body?.cancel();
    const wait = Number(res.headers.get('retry-after') ?? 1);
    await new Promise((r) => setTimeout(r, 1000 * (Number.isFinite(wait) ? wait : 1)));
  }
}

async function send(t: Target, b: Batch, totals: Totals): Promise<void> {
  const res = await post(t, b);
  const body = (await res.json().catch(() => ({}))) as Partial<IngestSummary> & {
    extensions?: Partial<IngestSummary>;
    detail?: string;
  };
  // 400 with a list of rejected events: the others were stored. Any other failure: none were.
  const summary = res.status === 400 ? body.extensions : body;
  if (!res.ok && !(res.status === 400 && summary?.rejected)) {
    throw new IngestStopped(
      b.lines[0] ?? 1,
      `HTTP ${res.status}: ${body.detail ?? res.statusText}`,
    );
  }
  totals.accepted += summary?.accepted ?? 0;
  totals.duplicates += summary?.duplicates ?? 0;
  for (const r of summary?.rejected ?? []) {
    totals.rejected += 1;
    note(totals, b.lines[r.index] ?? 0, `${r.id ? ` (id ${r.id})` : ''}: ${r.reason}`);
  }
  for (const p of summary?.problems ?? []) {
    totals.problems += 1;
    note(
      totals,
      b.lines[p.index] ?? 0,
      ` (id ${p.id}): stored, but meter ${p.meter}: ${p.message}`,
    );
  }
}

function open(file: string, o: IngestOptions, numbers: Awaited<ReturnType<typeof meterColumns>>) {
  const progress: ReadProgress = { bytes: 0 };
  const format = formatOf(file, o.format);
  let items: AsyncIterable<SourceItem> | Iterable<SourceItem>;
  if (format === 'ndjson') items = readNdjson(file, o.fromLine, progress);
  else if (format === 'csv') items = readCsv(file, o.fromLine, numbers, progress);
  else items = readJsonArray(file, o.fromLine, progress);
  return { items, progress };
}

/**
 * Sends the events of a file in batches, one request at a time: a batch is read, sent and
 * acknowledged before the next is read, so memory is bounded by one batch whatever the file size.
 */
export async function runIngest(t: Target, file: string, o: IngestOptions): Promise<void> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const numbers = formatOf(file, o.format) === 'csv' ? await meterColumns(t, o.numbers) : undefined;
  const { items, progress } = open(file, o, numbers ?? (() => new Set()));
  const totals: Totals = { accepted: 0, duplicates: 0, rejected: 0, problems: 0, shown: [] };
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    format: 'ingest [{bar}] {percentage}% | {sent} events sent',
    stream: process.stderr,
  });
  bar.start(size, 0, { sent: 0 });
  let stopped: IngestStopped | undefined;
  const unreadable = (at: number, reason: string) => {
    totals.rejected += 1;
    note(totals, at, `: ${reason}`);
  };
  try {
    for await (const b of batches(items, o.batch, unreadable)) {
      await send(t, b, totals);
      bar.update(progress.bytes, { sent: totals.accepted + totals.duplicates + totals.rejected });
    }
  } catch (err) {
    if (!(err instanceof IngestStopped)) throw err;
    stopped = err;
  } finally {
    bar.stop();
  }
  console.log(
    `accepted ${totals.accepted}, duplicates ${totals.duplicates}, rejected ${totals.rejected}` +
      (totals.problems > 0 ? `, value problems ${totals.problems}` : ''),
  );
  // Unreadable lines are met while reading, server rejections when their batch is answered.
  for (const s of totals.shown.sort((a, b) => a.at - b.at)) console.log(s.text);
  const hidden = totals.rejected + totals.problems - totals.shown.length;
  if (hidden > 0) console.log(`  ... and ${hidden} more`);
  if (stopped) {
    const at = stopped.resumeAt;
    const before =
      at <= o.fromLine
        ? 'Nothing was acknowledged'
        : `Every event before line ${at} was acknowledged`;
    throw new Error(
      `stopped at line ${at}: ${stopped.message}\n${before}: to resume, run the same command with --from-line ${at} (events already stored count as duplicates).`,
    );
  }
  if (totals.rejected > 0) process.exitCode = 1;
}
