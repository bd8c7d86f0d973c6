// Ingest for an account another process writes (ClickHouse store with coordinated writers): the
// request goes to the owner with its body byte for byte (gzip stays gzip) and the owner's answer
// comes back as it is. When the owner cannot answer, the client gets a 503 with Retry-After and
// retries: events are deduplicated by (source, id), so a retry after a lost answer is harmless.
import { hostname } from 'node:os';
import type { Context } from 'hono';
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status';
import { Counter, type Registry } from 'prom-client';
import { UnavailableError } from '../../errors/domain-errors.js';
import type { Placement } from '../../store/ports.js';
import type { AppEnv } from '../context.js';

/**
 * Set on a forwarded request. A process that receives it for an account it does not write answers
 * 503 instead of forwarding again: two processes that each think the other is the owner (ownership
 * moving between them) must not bounce the request between them.
 */
export const FORWARDED_BY_HEADER = 'Tally-Forwarded-By';

/** How long the owner may take to take the request, store it durably and answer. */
export const FORWARD_TIMEOUT_MS = 30_000;

/** This process as the owner's logs see it in the forwarded-by header. */
const SELF = `${hostname()}/${process.pid}`;

/** What the owner needs to answer as if the client had called it. */
const REQUEST_HEADERS = ['authorization', 'content-type', 'content-encoding', 'prefer', 'accept'];

/** Why an ingest request for an account this process does not write could not be served. */
export type ForwardFailure = 'unreachable' | 'timeout' | 'not_owner' | 'moving';

export interface ForwardMetrics {
  forwarded: Counter<'status'>;
  failures: Counter<'reason'>;
}

/** Get-or-create on the app's registry, so that an app whose routes are built twice keeps one set. */
export function forwardMetrics(registry: Registry): ForwardMetrics {
  const forwarded =
    (registry.getSingleMetric('tally_ingest_forwarded_total') as Counter<'status'> | undefined) ??
    new Counter({
      name: 'tally_ingest_forwarded_total',
      help: "Ingest requests forwarded to the process that writes the account's events, by the status it answered",
      labelNames: ['status'] as const,
      registers: [registry],
    });
  const failures =
    (registry.getSingleMetric('tally_ingest_forward_failures_total') as
      | Counter<'reason'>
      | undefined) ??
    new Counter({
      name: 'tally_ingest_forward_failures_total',
      help: "Ingest requests for an account another process writes, answered 503 here: unreachable (the owner refused or dropped the connection), timeout, not_owner (a forwarded request reached a process that does not own the account either), moving (the account's ownership is changing)",
      labelNames: ['reason'] as const,
      registers: [registry],
    });
  return { forwarded, failures };
}

export interface ForwardOptions {
  /** Response headers of the owner's answer the client gets (Content-Type and Retry-After always). */
  answerHeaders: readonly string[];
  metrics?: ForwardMetrics;
  timeoutMs?: number;
}

/**
 * Serves an ingest request for an account this process does not write: forwards it to the owner
 * and returns the owner's answer, or throws an UnavailableError (503, Retry-After) when the owner
 * is unknown (moving), cannot be reached, or this request was already forwarded once.
 */
export async function forwardIngest(
  c: Context<AppEnv>,
  placement: Exclude<Placement, { kind: 'local' }>,
  options: ForwardOptions,
): Promise<Response> {
  const fail = (reason: ForwardFailure, message: string): never => {
    options.metrics?.failures.inc({ reason });
    throw new UnavailableError(message, 1);
  };
  if (placement.kind === 'moving') {
    return fail('moving', "the account's events are changing writer process; retry in a second");
  }
  const forwardedBy = c.req.header(FORWARDED_BY_HEADER);
  if (forwardedBy !== undefined) {
    return fail(
      'not_owner',
      `this request was forwarded (by ${forwardedBy}) to a process that does not write the account's events: ownership is moving; retry`,
    );
  }
  // Read here, under the route's body limit: the owner gets exactly the bytes the client sent.
  const body = new Uint8Array(await c.req.arrayBuffer());
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  // The owner logs the request under the same id, and its problem bodies name it.
  headers.set('x-request-id', c.get('requestId'));
  headers.set(FORWARDED_BY_HEADER, SELF);
  const query = new URL(c.req.url).search;
  const timeoutMs = options.timeoutMs ?? FORWARD_TIMEOUT_MS;
  let answer: Response;
  let answerBody: ArrayBuffer;
  try {
    answer = await fetch(`${placement.url.replace(/\/+$/, '')}${c.req.path}${query}`, {
      method: 'POST',
      headers,
      body,
      // A redirect is not an answer of Tally: the owner's address is wrong.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    answerBody = await answer.arrayBuffer();
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') {
      return fail(
        'timeout',
        `the process that writes this account's events did not answer within ${timeoutMs} ms; the events may or may not be stored: retry (events are deduplicated by source and id)`,
      );
    }
    return fail(
      'unreachable',
      `the process that writes this account's events cannot be reached (${networkCode(err)}); retry`,
    );
  }
  options.metrics?.forwarded.inc({ status: String(answer.status) });
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'retry-after', ...options.answerHeaders]) {
    const value = answer.headers.get(name);
    if (value !== null) out[name] = value;
  }
  // fetch has already undone any Content-Encoding of the answer, so none is passed on.
  if (answerBody.byteLength === 0) return c.body(null, answer.status as StatusCode, out);
  return c.body(new Uint8Array(answerBody), answer.status as ContentfulStatusCode, out);
}

/** The most specific code of a failed fetch (undici puts the socket's error in `cause`). */
function networkCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = e.cause;
  }
  return err instanceof Error ? err.message : String(err);
}
