// The client of the multi-process fault tests (faults-multi.test.ts): fault-client.ts's
// StreamingClient spread over several Tally processes and accounts. One lane per account streams
// batches; every attempt goes to a process picked at random among the ones the test says are up,
// and a batch is resent byte for byte (to any process) on 503, 429, a network error or a timeout,
// after Retry-After. It records every answer with the process that gave it, and which events it saw
// acknowledged, so that the expected totals come from the client's side only.
import { type SentEvent, T0 } from './fault-client.js';

export interface ClientAccount {
  id: string;
  /** A secret key of the account. */
  key: string;
}

export interface MultiAnswer {
  /** Order across all lanes (compare with `mark()`). */
  seq: number;
  account: string;
  /** The base URL the attempt went to. */
  target: string;
  /** 'timeout': no answer within the client's timeout (the request may still be served). */
  status: number | 'network' | 'timeout';
  retryAfter: string | null;
  detail: string;
}

export interface MultiClientOptions {
  batchSize: number;
  /** How long one attempt may take before the client gives up on it and resends elsewhere. */
  requestTimeoutMs: number;
}

export class MultiClient {
  /** Acknowledged events by account id. */
  readonly acked = new Map<string, SentEvent[]>();
  /** The batch each lane is sending and has not seen acknowledged yet, by account id. */
  readonly pending = new Map<string, SentEvent[]>();
  readonly answers: MultiAnswer[] = [];
  private seq = 0;
  private finishing = false;
  private aborted = false;
  private failure: Error | undefined;

  constructor(
    /** Base URLs of the processes that are up now (asked before every attempt). */
    private readonly targets: () => string[],
    readonly accounts: readonly ClientAccount[],
    /** Event type (and id prefix) of this stream. */
    private readonly type: string,
    private readonly options: MultiClientOptions,
  ) {
    for (const a of accounts) this.acked.set(a.id, []);
  }

  /** Streams until `finish()` (or `abort()`); resolves when every lane has stopped. */
  async run(): Promise<void> {
    await Promise.all(
      this.accounts.map(async (account, lane) => {
        try {
          for (let b = 0; !this.finishing; b++) await this.send(account, this.batch(lane, b));
        } catch (err) {
          this.failure ??= err instanceof Error ? err : new Error(String(err));
          this.abort();
        }
      }),
    );
    if (this.failure) throw this.failure;
  }

  /** Lets every lane get its current batch acknowledged, then stop. */
  finish(): void {
    this.finishing = true;
  }

  /** Stops every lane at once, acknowledged or not. */
  abort(): void {
    this.aborted = true;
    this.finishing = true;
  }

  check(): void {
    if (this.failure) throw this.failure;
  }

  mark(): number {
    return this.seq;
  }

  since(mark: number): MultiAnswer[] {
    this.check();
    return this.answers.filter((a) => a.seq > mark);
  }

  /** Batches of `account` acknowledged after `mark`. */
  ackedSince(mark: number, account: string): number {
    return this.since(mark).filter((a) => a.account === account && a.status === 204).length;
  }

  private batch(lane: number, b: number): SentEvent[] {
    const size = this.options.batchSize;
    return Array.from({ length: size }, (_, j) => ({
      id: `${this.type}-a${lane}-${b}-${j}`,
      subject: `s${j % 5}`,
      n: ((b * size + j + lane) % 97) + 1,
      time: T0 + ((b * size + j) % 80_000_000),
    }));
  }

  private async send(account: ClientAccount, events: SentEvent[]): Promise<void> {
    const body = JSON.stringify(
      events.map((e) => ({
        specversion: '1.0',
        id: e.id,
        source: 'fault-test',
        type: this.type,
        subject: e.subject,
        time: new Date(e.time).toISOString(),
        data: { n: e.n },
      })),
    );
    this.pending.set(account.id, events);
    for (;;) {
      const live = this.targets();
      if (live.length === 0) {
        if (this.aborted) return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const target = live[Math.floor(Math.random() * live.length)] as string;
      let answer: MultiAnswer;
      try {
        const res = await fetch(`${target}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        });
        const detail = res.status === 204 ? '' : await res.text();
        answer = {
          seq: ++this.seq,
          account: account.id,
          target,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          detail,
        };
      } catch (err) {
        const timeout = err instanceof Error && err.name === 'TimeoutError';
        answer = {
          seq: ++this.seq,
          account: account.id,
          target,
          status: timeout ? 'timeout' : 'network',
          retryAfter: null,
          detail: String(err),
        };
      }
      this.answers.push(answer);
      if (answer.status === 204) {
        this.acked.get(account.id)?.push(...events);
        this.pending.delete(account.id);
        return;
      }
      const retry =
        answer.status === 503 ||
        answer.status === 429 ||
        answer.status === 'network' ||
        answer.status === 'timeout';
      if (!retry) {
        throw new Error(
          `ingest of ${account.id} at ${target} answered ${answer.status}: ${answer.detail}`,
        );
      }
      if (this.aborted) return;
      // What a client must do: wait as told (Retry-After), then send the same batch again.
      const waitMs = answer.retryAfter ? Number(answer.retryAfter) * 1000 : 200;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
