// A lean keep-alive HTTP client (node:http), so the client's own CPU cost stays small on 2 cores.
import { Agent, request } from 'node:http';

export interface HttpResult {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private token: string,
    connections: number,
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  setToken(token: string): void {
    this.token = token;
  }

  send(
    method: string,
    path: string,
    body?: Buffer | string,
    contentType?: string,
  ): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${this.token}` };
      if (body !== undefined) {
        headers['content-type'] = contentType ?? 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = request(
        { host: this.host, port: this.port, path, method, headers, agent: this.agent },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** JSON call that must succeed. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body));
    if (r.status >= 300)
      throw new Error(`${method} ${path} -> ${r.status}: ${r.body.slice(0, 500)}`);
    return (r.body ? JSON.parse(r.body) : undefined) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
