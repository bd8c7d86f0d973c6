// Sends deliveries as signed webhooks (Standard Webhooks: webhook-id, webhook-timestamp,
// webhook-signature over "id.timestamp.body" with the endpoint's whsec_ secret), at least once:
// a failed attempt is retried with exponential backoff until `maxAttempts`, every attempt is kept
// in the delivery log, and the delivery record (status, next attempt) is persisted after each
// attempt, so a restart resumes the pending ones.
import { Webhook } from 'standardwebhooks';
import type { WebhookAttempt } from '../contract/alerts.js';
import type { AlertRecords, WebhookDelivery } from './alert-records.js';

export interface DeliveryOptions {
  /** Delay before the first retry; each further retry doubles it. */
  retryBaseMs: number;
  /** The longest delay between two attempts. */
  retryMaxDelayMs: number;
  /** Attempts per round (the first send included) before the delivery is marked failed. */
  maxAttempts: number;
  /** Per attempt: connect, send and read the status. */
  timeoutMs: number;
}

/** Delay before attempt n+1 of a round, after n failed attempts (n >= 1). */
export function backoffMs(o: DeliveryOptions, failed: number): number {
  return Math.min(o.retryMaxDelayMs, o.retryBaseMs * 2 ** (failed - 1));
}

export class WebhookDeliverer {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly running = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly records: AlertRecords,
    private readonly options: DeliveryOptions,
    /** Whether this process delivers the account's alerts now. */
    private readonly isLocal: (accountId: string) => boolean,
    private readonly onError: (err: unknown, d: { accountId: string; id: string }) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Attempts the delivery at `at` (epoch ms), or sooner if it was already due sooner. */
  schedule(accountId: string, id: string, at: number): void {
    if (this.closed) return;
    const existing = this.timers.get(id);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        void this.attempt(accountId, id);
      },
      Math.max(0, at - this.now()),
    );
    this.timers.set(id, { at, timer });
  }

  /** One attempt, unless one of the same delivery is already running in this process. */
  attempt(accountId: string, id: string): Promise<void> {
    const busy = this.running.get(id);
    if (busy) return busy;
    const run = this.attemptOnce(accountId, id)
      .catch((err) => {
        this.onError(err, { accountId, id });
        // A failure to read or write the record: try again later rather than never.
        this.schedule(accountId, id, this.now() + this.options.retryBaseMs);
      })
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
    return run;
  }

  private async attemptOnce(accountId: string, id: string): Promise<void> {
    if (this.closed || !this.isLocal(accountId)) return;
    const d = await this.records.getDelivery(accountId, id);
    if (d?.status !== 'pending') return;
    const due = d.nextAttemptAt ?? 0;
    if (due > this.now()) {
      this.schedule(accountId, id, due);
      return;
    }
    const endpoint = await this.records.getEndpoint(accountId, d.endpointId);
    const started = this.now();
    let attempt: WebhookAttempt;
    if (!endpoint) {
      attempt = { at: new Date(started).toISOString(), durationMs: 0, error: 'endpoint deleted' };
    } else {
      attempt = await send(endpoint.url, endpoint.secret, d, started, this.options.timeoutMs);
    }
    if (this.closed) return;
    const ok =
      attempt.statusCode !== undefined && attempt.statusCode >= 200 && attempt.statusCode < 300;
    const next: WebhookDelivery = { ...d, attempts: [...d.attempts, attempt] };
    const inRound = next.attempts.length - d.roundStart;
    delete next.nextAttemptAt;
    if (ok) next.status = 'delivered';
    else if (!endpoint || inRound >= this.options.maxAttempts) next.status = 'failed';
    else next.nextAttemptAt = this.now() + backoffMs(this.options, inRound);
    await this.records.putDelivery(next);
    if (next.status === 'pending' && next.nextAttemptAt !== undefined) {
      this.schedule(accountId, id, next.nextAttemptAt);
    }
  }

  /** Stops scheduling and waits for attempts in flight (their outcome is persisted). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    await Promise.allSettled([...this.running.values()]);
  }
}

async function send(
  url: string,
  secret: string,
  d: WebhookDelivery,
  started: number,
  timeoutMs: number,
): Promise<WebhookAttempt> {
  const body = JSON.stringify(d.payload);
  const at = new Date(started);
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  try {
    const signature = new Webhook(secret).sign(d.id, at, body);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tally-Webhooks/1',
        'webhook-id': d.id,
        'webhook-timestamp': String(Math.floor(started / 1000)),
        'webhook-signature': signature,
      },
      body,
      // A redirect is an answer, not a new destination: the receiver URL is the one registered.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not read beyond what frees the connection.
    await res.body?.cancel().catch(() => undefined);
    return { at: at.toISOString(), durationMs: elapsed(), statusCode: res.status };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error =
      e.name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms`
        : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
    return { at: at.toISOString(), durationMs: elapsed(), error };
  }
}
