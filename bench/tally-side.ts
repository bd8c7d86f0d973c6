// The Tally side: the same work through the HTTP API of a running server.
import {
  batchBody,
  type Dataset,
  eventJson,
  subjectName,
  YEAR_END,
  YEAR_START,
} from './dataset.js';
import type { HttpClient } from './http-client.js';
import { nowMs, sleep } from './stats.js';
import { type DashboardCase, TOKENS_METER, USERS_METER } from './workload.js';

const BATCH_TYPE = 'application/cloudevents-batch+json';

interface QueryAnswer {
  data: { value: number | null }[];
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function total(a: QueryAnswer): number {
  return a.data.reduce((s, r) => s + (r.value ?? 0), 0);
}

/** Creates an account, a secret key and both meters; returns the key. */
export async function setupAccount(admin: HttpClient): Promise<string> {
  const account = await admin.json<{ id: string }>('POST', '/admin/v1/accounts', { name: 'bench' });
  const { key } = await admin.json<{ key: string }>(
    'POST',
    `/admin/v1/accounts/${account.id}/keys`,
    {
      kind: 'secret',
    },
  );
  admin.setToken(key);
  await admin.json('POST', '/api/v1/meters', TOKENS_METER);
  await admin.json('POST', '/api/v1/meters', USERS_METER);
  return key;
}

/** Posts one batch until it is acknowledged; 429/503 are retried (and counted). */
export async function postBatch(http: HttpClient, body: Buffer | string): Promise<number> {
  for (let retries = 0; ; retries++) {
    let r: Awaited<ReturnType<HttpClient['send']>>;
    try {
      r = await http.send('POST', '/api/v1/events', body, BATCH_TYPE);
    } catch (err) {
      // A keep-alive socket the server closed while idle (between segments) resets on reuse.
      // Resending is safe: the server deduplicates by event identity.
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' && retries < 5) continue;
      throw err;
    }
    if (r.status === 204 || r.status === 200 || r.status === 202) return retries;
    if (r.status !== 429 && r.status !== 503)
      throw new Error(`ingest -> ${r.status}: ${r.body.slice(0, 300)}`);
    await sleep(20);
  }
}

export interface IngestOutcome {
  events: number;
  sendMs: number;
  renderMs: number;
  retries: number;
}

export interface IngestPlan {
  batch: number;
  connections: number;
  /** Bodies are rendered (untimed) this many events at a time, so memory stays bounded. */
  segmentEvents: number;
  /** Event counts where sending pauses for `onSegment` (e.g. memory checkpoints). */
  stops: readonly number[];
  /** Called when a segment's sending starts (its bodies are rendered). */
  onSend?: () => void;
  /** Called after every segment with the events acknowledged so far; sending waits for it. */
  onSegment: (done: number, sendMs: number) => Promise<void> | void;
}

/**
 * Sends events [0, d.n) in batches over concurrent keep-alive connections. Bodies are rendered
 * per segment before the clock starts, so only sending and acknowledgement are timed; segments
 * also end at every stop.
 */
export async function ingestOverHttp(
  http: HttpClient,
  d: Dataset,
  tag: string,
  plan: IngestPlan,
): Promise<IngestOutcome> {
  let sendMs = 0;
  let renderMs = 0;
  let retries = 0;
  for (let seg = 0; seg < d.n; ) {
    const nextStop = plan.stops.find((s) => s > seg) ?? d.n;
    const segEnd = Math.min(d.n, seg + plan.segmentEvents, nextStop);
    const t0 = nowMs();
    const bodies: Buffer[] = [];
    for (let from = seg; from < segEnd; from += plan.batch)
      bodies.push(batchBody(d, from, Math.min(segEnd, from + plan.batch), tag));
    const t1 = nowMs();
    renderMs += t1 - t0;
    plan.onSend?.();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        const body = bodies[i];
        if (!body) return;
        retries += await postBatch(http, body);
      }
    };
    await Promise.all(Array.from({ length: plan.connections }, worker));
    sendMs += nowMs() - t1;
    seg = segEnd;
    await plan.onSegment(segEnd, sendMs);
  }
  return { events: d.n, sendMs, renderMs, retries };
}

/**
 * Sends 1000-event batches at `eventsPerSecond` until stopped, on a fixed schedule: a slow
 * acknowledgement does not delay the next batch (up to 8 in flight), so the offered load holds.
 */
export function backgroundIngest(
  http: HttpClient,
  d: Dataset,
  tag: string,
  eventsPerSecond: number,
): { stop: () => Promise<{ events: number; seconds: number; ranOut: boolean }> } {
  let running = true;
  let sent = 0;
  let acked = 0;
  const started = nowMs();
  const batch = 1000;
  const interval = (1000 * batch) / eventsPerSecond;
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    let due = nowMs();
    while (running && sent + batch <= d.n) {
      if (inFlight.size < 8) {
        const p: Promise<void> = postBatch(http, batchBody(d, sent, sent + batch, tag)).then(() => {
          acked += batch;
          inFlight.delete(p);
        });
        inFlight.add(p);
        sent += batch;
      }
      due += interval;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(inFlight);
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      // Running out of prepared events ends the load early: the caller reports it.
      return { events: acked, seconds: (nowMs() - started) / 1000, ranOut: sent + batch > d.n };
    },
  };
}

export async function dashboardQuery(http: HttpClient, c: DashboardCase): Promise<number> {
  const a = await http.json<QueryAnswer>(
    'GET',
    `/api/v1/meters/${TOKENS_METER.slug}/query?from=${iso(c.from)}&to=${iso(c.to)}&windowSize=HOUR&groupBy=project&subject=${subjectName(c.subject)}`,
  );
  return total(a);
}

export async function monthlySumQuery(http: HttpClient): Promise<number> {
  const a = await http.json<QueryAnswer>(
    'GET',
    `/api/v1/meters/${TOKENS_METER.slug}/query?from=${iso(YEAR_START)}&to=${iso(YEAR_END)}&windowSize=MONTH&windowTimeZone=UTC`,
  );
  return total(a);
}

export async function monthlyActiveQuery(http: HttpClient): Promise<number> {
  const a = await http.json<QueryAnswer>(
    'GET',
    `/api/v1/meters/${USERS_METER.slug}/query?from=${iso(YEAR_START)}&to=${iso(YEAR_END)}&windowSize=DAY&windowTimeZone=UTC&aggregationMode=cumulative&cumulativePeriod=P1M`,
  );
  return total(a);
}

/**
 * Acknowledgement -> visibility: sends one marker event (its own subject), then polls a query for
 * that subject until it shows; the latency runs from the 2xx to the first answer that includes it.
 */
export async function markerVisibility(
  http: HttpClient,
  d: Dataset,
  k: number,
  tag: string,
): Promise<number> {
  const subject = `marker_${tag}_${k}`;
  const at = Date.UTC(2025, 5, 15, 12);
  const body = `[${eventJson(d, k, `${tag}-m`, at).replace(/"subject":"[^"]*"/, `"subject":"${subject}"`)}]`;
  await postBatch(http, body);
  const acked = nowMs();
  const path = `/api/v1/meters/${TOKENS_METER.slug}/query?from=${iso(at - 3_600_000)}&to=${iso(at + 3_600_000)}&subject=${subject}`;
  for (;;) {
    const a = await http.json<QueryAnswer>('GET', path);
    if (total(a) > 0) return nowMs() - acked;
    if (nowMs() - acked > 30_000) throw new Error(`marker ${subject} not visible after 30 s`);
    await sleep(2);
  }
}

/**
 * The server's unlabelled Prometheus samples by name. On the embedded store the scrape waits
 * until every acknowledged event is folded into DuckDB, so it also marks "the fold caught up".
 */
export async function serverMetrics(http: HttpClient): Promise<Map<string, number>> {
  const res = await http.send('GET', '/metrics');
  if (res.status !== 200) throw new Error(`/metrics -> ${res.status}`);
  const out = new Map<string, number>();
  for (const m of res.body.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*) ([-+0-9.eE]+|NaN)$/gm)) {
    out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

export interface CompactionWait {
  ms: number;
  /** Chunks still waiting when the wait gave up (0 when it finished). */
  left: number;
}

/**
 * Waits until the embedded store has rewritten every closed day and month sorted by subject (the
 * steady state for historical data), polling /metrics; resolves at once for other stores.
 */
export async function waitForCompaction(
  http: HttpClient,
  timeoutMs: number,
  onPoll: (backlog: number) => void = () => {},
): Promise<CompactionWait> {
  const started = Date.now();
  for (;;) {
    const backlog = (await serverMetrics(http)).get('tally_store_compaction_backlog_chunks') ?? 0;
    const ms = Date.now() - started;
    if (backlog === 0 || ms > timeoutMs) return { ms, left: backlog };
    onPoll(backlog);
    await sleep(500);
  }
}
