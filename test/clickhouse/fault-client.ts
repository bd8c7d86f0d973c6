// The client of the fault tests: streams batches of events through Tally's HTTP API from several
// lanes and sends a batch again, with the same ids, on 503, 429 or a network error, as a client
// that wants every event counted must. Dedupe makes the resend safe; the tests check that it is.
// It records what Tally answered, and which events it saw acknowledged, to compute the expected
// totals from the client's side only.

export interface SentEvent {
  id: string;
  subject: string;
  n: number;
  /** Event time, epoch ms. */
  time: number;
}

export interface Answer {
  /** Sequence number of the answer across all lanes (compare with `mark()`). */
  seq: number;
  status: number | 'network';
  retryAfter: string | null;
  detail: string;
}

/** Event times fall on one day, so one query range covers every event of a test. */
export const T0 = Date.UTC(2026, 0, 10);
export const QUERY_RANGE = `from=2026-01-10T00:00:00Z&to=2026-01-11T00:00:00Z`;

export class StreamingClient {
  readonly acked: SentEvent[] = [];
  readonly answers: Answer[] = [];
  private seq = 0;
  private batches = 0;
  private finishing = false;
  private failure: Error | undefined;
  private aborted = false;

  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
    private readonly type: string,
  ) {}

  /** Streams from `lanes` lanes, each one batch at a time, until `finish()`; resolves when done. */
  async run(lanes: number, batchSize: number): Promise<void> {
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        try {
          while (!this.finishing) await this.send(this.batch(batchSize));
        } catch (err) {
          // One lane's failure ends the stream, and the test's next look at the client throws it.
          this.failure ??= err instanceof Error ? err : new Error(String(err));
          this.abort();
        }
      }),
    );
    if (this.failure) throw this.failure;
  }

  /** Stops every lane at once, acknowledged or not (a failed test must not wait for a fault). */
  abort(): void {
    this.aborted = true;
    this.finishing = true;
  }

  /** Throws what ended the stream, if anything did: waits on the client then fail at once. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Lets every lane complete (acknowledge) its current batch, then stop. */
  finish(): void {
    this.finishing = true;
  }

  /** A point in the answers: `since(mark)` are the ones that came after it. */
  mark(): number {
    return this.seq;
  }

  since(mark: number): Answer[] {
    this.check();
    return this.answers.filter((a) => a.seq > mark);
  }

  private batch(size: number): SentEvent[] {
    const b = this.batches++;
    return Array.from({ length: size }, (_, j) => ({
      id: `${this.type}-${b}-${j}`,
      subject: `s${j % 5}`,
      n: ((b * size + j) % 97) + 1,
      time: T0 + ((b * size + j) % 80_000_000),
    }));
  }

  private async send(events: SentEvent[]): Promise<void> {
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
    // The same body every time: a resend is the same batch, byte for byte.
    for (;;) {
      let answer: Answer;
      try {
        const res = await fetch(`${this.baseUrl}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
          body,
        });
        const detail = res.status === 204 ? '' : await res.text();
        answer = {
          seq: ++this.seq,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          detail,
        };
      } catch (err) {
        answer = { seq: ++this.seq, status: 'network', retryAfter: null, detail: String(err) };
      }
      this.answers.push(answer);
      if (answer.status === 204) {
        this.acked.push(...events);
        return;
      }
      if (answer.status !== 503 && answer.status !== 429 && answer.status !== 'network') {
        throw new Error(`ingest answered ${answer.status}: ${answer.detail}`);
      }
      if (this.aborted) return;
      // What a client must do: wait as told (Retry-After), then send the same batch again.
      const waitMs = answer.retryAfter ? Number(answer.retryAfter) * 1000 : 100;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** SUM of `n` and COUNT over events, computed from the client's own record. */
export function expectedTotals(events: readonly SentEvent[]): { sum: number; count: number } {
  return { sum: events.reduce((s, e) => s + e.n, 0), count: events.length };
}
