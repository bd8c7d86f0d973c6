// An HTTP proxy in front of the test server that records what the CLI sends (how many requests,
// how many events in each) and can fail one ingest request, as a server or network would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Events in the body of a POST /api/v1/events (a JSON array), else undefined. */
  events?: number;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

/** `failIngest`: the 1-based number of the POST /api/v1/events to answer 500 without forwarding. */
export async function startRecordingProxy(
  target: string,
  options: { failIngest?: number } = {},
): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  let ingests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const rec: RecordedRequest = { method: req.method ?? 'GET', path };
      const isIngest = rec.method === 'POST' && path.startsWith('/api/v1/events');
      if (isIngest) rec.events = (JSON.parse(body.toString('utf8')) as unknown[]).length;
      requests.push(rec);
      if (isIngest && ++ingests === options.failIngest) {
        res.writeHead(500, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ status: 500, title: 'Internal Server Error', detail: 'boom' }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      }
      fetch(new URL(path, target), {
        method: rec.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      })
        .then(async (r) => {
          const out = Buffer.from(await r.arrayBuffer());
          const h: Record<string, string> = {};
          r.headers.forEach((v, k) => {
            if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding')
              h[k] = v;
          });
          res.writeHead(r.status, h);
          res.end(out);
        })
        .catch((err: Error) => {
          res.writeHead(502);
          res.end(err.message);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
