import { Counter, Gauge, type Registry } from 'prom-client';

export interface ConnectionMetrics {
  closedEarly: Counter<'reason'>;
  /** Reports the open connections at each scrape. */
  observeOpen: (open: () => number) => void;
}

// The connection counter a registry's gauge reads, per registry: the latest server wins.
const sources = new WeakMap<Registry, () => number>();

/**
 * Connection gauges and counters, registered on the app's registry. Get-or-create: an app served
 * twice (tests restart a server on the same app) keeps one set.
 */
export function connectionMetrics(registry: Registry, maxConnections: number): ConnectionMetrics {
  if (!registry.getSingleMetric('tally_http_connections')) {
    new Gauge({
      name: 'tally_http_connections',
      help: 'HTTP connections open now',
      registers: [registry],
      collect() {
        this.set(sources.get(registry)?.() ?? 0);
      },
    });
  }
  const max =
    (registry.getSingleMetric('tally_http_connections_max') as Gauge | undefined) ??
    new Gauge({
      name: 'tally_http_connections_max',
      help: 'The connection cap (TALLY_MAX_CONNECTIONS)',
      registers: [registry],
    });
  max.set(maxConnections);
  const closedEarly =
    (registry.getSingleMetric('tally_http_connections_closed_early_total') as
      | Counter<'reason'>
      | undefined) ??
    new Counter({
      name: 'tally_http_connections_closed_early_total',
      help: 'Connections the server closed to stay under the cap: evicted_idle (idle, to make room for a new one), dropped_at_cap (refused at accept, every connection busy)',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
  return {
    closedEarly,
    observeOpen: (open) => {
      sources.set(registry, open);
    },
  };
}
