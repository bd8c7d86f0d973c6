// The soak's HTTP client: account and meters through the admin and native APIs, ingest with every
// answer classified, per-subject totals, and the random queries that run beside ingest.

import { SUBJECTS, type Totals, type WireEvent } from './model.js';
import type { Rng } from './rng.js';

export const ADMIN_TOKEN = 'soak-admin-token-0123456789';
const REQUEST_TIMEOUT_MS = 120_000;

export type IngestOutcome =
  | { kind: 'acked'; accepted: number; duplicates: number }
  /** No acknowledgement: the events may or may not be stored. */
  | { kind: 'unacked'; reason: string }
  /** A 4xx other than 429 for valid events: a defect. */
  | { kind: 'refused'; status: number; body: string };

async function call(
  url: string,
  key: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** Creates the account, a secret key and the two meters; returns the key. */
export async function setup(base: string): Promise<string> {
  const account = await call(`${base}/admin/v1/accounts`, ADMIN_TOKEN, 'POST', { name: 'soak' });
  if (account.status !== 201) throw new Error(`create account: ${account.status}`);
  const { id } = (await account.json()) as { id: string };
  const created = await call(`${base}/admin/v1/accounts/${id}/keys`, ADMIN_TOKEN, 'POST', {
    kind: 'secret',
  });
  if (created.status !== 201) throw new Error(`create key: ${created.status}`);
  const { key } = (await created.json()) as { key: string };
  for (const meter of [
    { slug: 'soak_count', eventType: 'soak', aggregation: 'COUNT' },
    { slug: 'soak_sum', eventType: 'soak', aggregation: 'SUM', valueProperty: '$.v' },
  ]) {
    const res = await call(`${base}/api/v1/meters`, key, 'POST', meter);
    if (res.status !== 201) throw new Error(`create meter ${meter.slug}: ${res.status}`);
  }
  return key;
}

/** Sends one event (application/cloudevents+json) or a batch, asking for the summary. */
export async function ingest(
  base: string,
  key: string,
  events: WireEvent[],
  single: boolean,
): Promise<IngestOutcome> {
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': single
          ? 'application/cloudevents+json'
          : 'application/cloudevents-batch+json',
        prefer: 'return=representation',
      },
      body: JSON.stringify(single ? events[0] : events),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    return { kind: 'unacked', reason: errorName(err) };
  }
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    return { kind: 'unacked', reason: `body ${errorName(err)}` };
  }
  if (res.status === 200) {
    const summary = JSON.parse(text) as { accepted: number; duplicates: number };
    return { kind: 'acked', accepted: summary.accepted, duplicates: summary.duplicates };
  }
  if (res.status === 204) return { kind: 'acked', accepted: Number.NaN, duplicates: Number.NaN };
  if (res.status === 429 || res.status >= 500) return { kind: 'unacked', reason: `${res.status}` };
  return { kind: 'refused', status: res.status, body: text.slice(0, 500) };
}

function errorName(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.name ?? 'error';
}

/** A range that holds every event made so far, whole UTC days. */
function range(lastTime: number): string {
  const day = 86_400_000;
  const from = new Date(Date.parse('2025-01-01T00:00:00Z')).toISOString();
  const to = new Date((Math.floor(lastTime / day) + 2) * day).toISOString();
  return `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
}

export interface QueryShape {
  meter: 'soak_count' | 'soak_sum';
  windowSize?: 'HOUR' | 'DAY';
  timeZone?: string;
  bySubject: boolean;
}

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'] as const;

export function randomShape(rng: Rng): QueryShape {
  const windowSize = rng.pick([undefined, 'HOUR', 'DAY'] as const);
  return {
    meter: rng.pick(['soak_count', 'soak_sum'] as const),
    ...(windowSize ? { windowSize } : {}),
    ...(windowSize && rng.next() < 0.5 ? { timeZone: rng.pick(ZONES) } : {}),
    bySubject: rng.next() < 0.7,
  };
}

/**
 * Runs a query and adds its rows up per subject (all under "*" without groupBy). Throws on
 * anything but 200.
 */
export async function queryTotals(
  base: string,
  key: string,
  shape: QueryShape,
  lastTime: number,
): Promise<Map<string, number>> {
  const params = [range(lastTime)];
  if (shape.windowSize) params.push(`windowSize=${shape.windowSize}`);
  if (shape.timeZone) params.push(`windowTimeZone=${encodeURIComponent(shape.timeZone)}`);
  if (shape.bySubject) params.push('groupBy=subject');
  const res = await call(
    `${base}/api/v1/meters/${shape.meter}/query?${params.join('&')}`,
    key,
    'GET',
  );
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`query ${shape.meter} answered ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data: { value: number; subject?: string | null }[] };
  const out = new Map<string, number>();
  for (const row of body.data) {
    const s = shape.bySubject ? (row.subject ?? '?') : '*';
    out.set(s, (out.get(s) ?? 0) + row.value);
  }
  return out;
}

/** COUNT and SUM per subject, in SUBJECTS order. */
export async function totals(base: string, key: string, lastTime: number): Promise<Totals> {
  const count = await queryTotals(base, key, { meter: 'soak_count', bySubject: true }, lastTime);
  const sum = await queryTotals(base, key, { meter: 'soak_sum', bySubject: true }, lastTime);
  for (const s of [...count.keys(), ...sum.keys()]) {
    if (!(SUBJECTS as readonly string[]).includes(s)) throw new Error(`unexpected subject ${s}`);
  }
  return {
    count: SUBJECTS.map((s) => count.get(s) ?? 0),
    sum: SUBJECTS.map((s) => sum.get(s) ?? 0),
  };
}
