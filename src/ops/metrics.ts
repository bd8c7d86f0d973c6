import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one server process. */
export class Metrics {
  readonly registry = new Registry();
  readonly ingested = new Counter({
    name: 'tally_ingest_events_total',
    help: 'Events received, by result (accepted, duplicate, rejected)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly queryLatency = new Histogram({
    name: 'tally_query_duration_seconds',
    help: 'Usage query latency',
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly httpLatency = new Histogram({
    name: 'tally_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly storeEvents = new Gauge({
    name: 'tally_store_events',
    help: 'Events stored',
    registers: [this.registry],
  });
  readonly storeBytes = new Gauge({
    name: 'tally_store_bytes',
    help: 'Bytes the store occupies on disk',
    registers: [this.registry],
  });
  readonly storeCompactionBacklog = new Gauge({
    name: 'tally_store_compaction_backlog_chunks',
    help: 'Closed days or months of meter rows waiting to be rewritten sorted by subject (embedded store)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tally_' });
  }
}
