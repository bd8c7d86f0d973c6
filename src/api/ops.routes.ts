import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import type { Services } from './services.js';

/** Liveness, readiness and Prometheus metrics (unauthenticated, as scrapers expect). */
export function registerOpsRoutes(
  app: OpenAPIHono<AppEnv>,
  s: Services,
  ready: () => boolean,
): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (!ready()) return c.json({ status: 'starting' }, 503);
    try {
      await s.store.ping();
      // A store that cannot write (full disk) answers ingest with 503: not ready either.
      const problem = await s.store.writeProblem?.();
      if (problem) return c.json({ status: 'store cannot write', error: problem }, 503);
      return c.json({ status: 'ready', store: s.store.kind });
    } catch (err) {
      return c.json({ status: 'store unavailable', error: (err as Error).message }, 503);
    }
  });
  app.get('/metrics', async (c) => {
    const stats = await s.store.stats();
    s.metrics.storeEvents.set(stats.events);
    s.metrics.storeBytes.set(stats.bytesOnDisk);
    if (stats.compactionBacklog !== undefined) {
      s.metrics.storeCompactionBacklog.set(stats.compactionBacklog);
    }
    if (stats.dedupeCache) {
      s.metrics.dedupeCacheBytes.set(stats.dedupeCache.residentBytes);
      s.metrics.dedupeCacheDays.set(stats.dedupeCache.residentDays);
      s.metrics.dedupeDayLoads.set(stats.dedupeCache.loads);
    }
    return c.body(await s.metrics.registry.metrics(), 200, {
      'Content-Type': s.metrics.registry.contentType,
    });
  });
}
