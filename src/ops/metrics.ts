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
  readonly valueProblems = new Counter({
    name: 'tally_ingest_value_problems_total',
    help: 'Stored events a meter cannot count, by reason (closed set) and meter slug (the first 200 slugs seen; then "other")',
    labelNames: ['reason', 'meter'] as const,
    registers: [this.registry],
  });
  private readonly valueProblemMeters = new Set<string>();
  /** Counts one value problem; meter slugs are per account, so their number is capped. */
  countValueProblem(reason: string, meter: string): void {
    if (!this.valueProblemMeters.has(meter) && this.valueProblemMeters.size < 200) {
      this.valueProblemMeters.add(meter);
    }
    const label = this.valueProblemMeters.has(meter) ? meter : 'other';
    this.valueProblems.inc({ reason, meter: label });
  }
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
  readonly dedupeCacheBytes = new Gauge({
    name: 'tally_dedupe_cache_bytes',
    help: 'Memory held by the dedupe cache of event identities per day of event time (embedded store; bounded by TALLY_DEDUPE_MEMORY_MB)',
    registers: [this.registry],
  });
  readonly dedupeCacheDays = new Gauge({
    name: 'tally_dedupe_cache_days',
    help: 'Days of event time whose identities the dedupe cache holds (embedded store)',
    registers: [this.registry],
  });
  readonly dedupeDayLoads = new Gauge({
    name: 'tally_dedupe_day_loads',
    help: 'Days of identities loaded from the store into the dedupe cache since start (embedded store)',
    registers: [this.registry],
  });
  readonly ingestLogTornTails = new Counter({
    name: 'tally_ingest_log_torn_tails_total',
    help: 'Incomplete last records (appends that never completed, never acknowledged) cut from the ingest log at start',
    registers: [this.registry],
  });
  readonly ingestLogDamagedRecords = new Counter({
    name: 'tally_ingest_log_damaged_records_total',
    help: 'Ingest log records found damaged at start, by state: folded (already in DuckDB), unfolded (acknowledged, not in DuckDB), unacknowledged (bytes of no acknowledged record)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly ingestLogQuarantined = new Counter({
    name: 'tally_ingest_log_quarantined_segments_total',
    help: 'Ingest log segment files that held damage, moved to ingest-log/quarantine instead of being deleted',
    registers: [this.registry],
  });
  readonly ingestLogAppendFailures = new Counter({
    name: 'tally_ingest_log_append_failures_total',
    help: 'Ingest log appends the disk refused (the batch answered 503), by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly ingestLogWriteBlocked = new Gauge({
    name: 'tally_ingest_log_write_blocked',
    help: '1 from a failed ingest log append until a write succeeds again (readiness is 503 meanwhile)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tally_' });
  }
}
