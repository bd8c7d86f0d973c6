import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type App, createApp } from './app.js';
import type { Config } from './config/config.js';

export interface RunningServer {
  app: App;
  port: number;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, closes the store. */
  stop: () => Promise<void>;
}

export async function startServer(config: Config, app?: App): Promise<RunningServer> {
  const a = app ?? (await createApp(config));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: a.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(s as Server),
    );
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
  return { app: a, port, url: `http://127.0.0.1:${port}`, stop };
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
