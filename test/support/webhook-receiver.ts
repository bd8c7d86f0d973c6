// A webhook receiver on loopback (node:http) for the alert tests: records every request (headers,
// raw body, arrival time) and answers with the status the test's policy gives for the n-th
// request of a webhook-id (0-based), so it can fail on purpose and then succeed.
import { createServer, type Server } from 'node:http';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  headers: Record<string, string>;
  body: string;
  /** Local arrival time (ms). */
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Requests of one webhook-id, in arrival order. */
  of: (id: string) => Received[];
  /** Replaces the answer policy. */
  answer: (policy: (nth: number, r: Received) => number) => void;
  close: () => Promise<void>;
}

export async function startReceiver(
  initial: (nth: number, r: Received) => number = () => 200,
): Promise<WebhookReceiver> {
  const received: Received[] = [];
  let policy = initial;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string') headers[k] = v;
      }
      const r: Received = {
        id: headers['webhook-id'] ?? '',
        timestamp: headers['webhook-timestamp'] ?? '',
        signature: headers['webhook-signature'] ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const nth = received.filter((x) => x.id === r.id).length;
      received.push(r);
      res.statusCode = policy(nth, r);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    of: (id) => received.filter((r) => r.id === id),
    answer: (p) => {
      policy = p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `condition` until it holds (returns a value) or the deadline passes. */
export async function until<T>(
  what: string,
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  deadlineMs = 60_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await condition();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
