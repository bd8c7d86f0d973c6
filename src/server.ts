import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type App, createApp } from './app.js';
import type { Config } from './config/config.js';
import {
  type ConnectionGuard,
  type ConnectionLimits,
  connectionLimits,
  guardConnections,
  httpServerOptions,
} from './http-limits.js';
import { connectionMetrics } from './ops/connection-metrics.js';

export interface RunningServer {
  app: App;
  port: number;
  url: string;
  /** The node server, with the connection limits of the config applied. */
  server: Server;
  connections: ConnectionGuard;
  limits: ConnectionLimits;
  /** Stops accepting connections, lets in-flight requests finish, closes the store. */
  stop: () => Promise<void>;
}

/** Logs at most one line per 10 s: a connection flood must not become a log flood. */
function nearCapWarning(app: App, limits: ConnectionLimits, open: () => number): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    app.logger.warn(
      { open: open(), maxConnections: limits.maxConnections },
      'near the connection cap: closing idle connections, refusing new ones when all are busy',
    );
  };
}

export async function startServer(config: Config, app?: App): Promise<RunningServer> {
  const a = app ?? (await createApp(config));
  const limits = connectionLimits(config);
  if (limits.openFileLimit !== undefined && limits.maxConnections > limits.openFileLimit - 256) {
    a.logger.warn(
      { maxConnections: limits.maxConnections, openFileLimit: limits.openFileLimit },
      'TALLY_MAX_CONNECTIONS leaves fewer than 256 file descriptors for the store: raise the open-file limit (ulimit -n) or lower it',
    );
  }
  const server = serve({
    fetch: a.fetch,
    port: config.PORT,
    hostname: config.HOST,
    serverOptions: httpServerOptions(limits),
  }) as Server;
  // Guarded before listen completes, so every connection is counted.
  const metrics = connectionMetrics(a.services.metrics.registry, limits.maxConnections);
  const connections = guardConnections(server, limits, {
    onEvicted: () => {
      metrics.closedEarly.inc({ reason: 'evicted_idle' });
      warn();
    },
    onDropped: () => {
      metrics.closedEarly.inc({ reason: 'dropped_at_cap' });
      warn();
    },
  });
  const warn = nearCapWarning(a, limits, connections.open);
  metrics.observeOpen(connections.open);
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, config.TALLY_SHUTDOWN_TIMEOUT_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      await a.close();
    })();
    return stopping;
  };
  return {
    app: a,
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    connections,
    limits,
    stop,
  };
}

/** SIGTERM/SIGINT stop the server gracefully, then exit. */
export function stopOnSignals(running: RunningServer): void {
  const handler = (signal: string) => {
    running.app.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    void running.stop().then(
      () => process.exit(0),
      (err) => {
        running.app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
