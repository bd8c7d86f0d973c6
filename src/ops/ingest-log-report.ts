import type { Logger } from 'pino';
import type { IngestLogEvent, IngestLogObserver } from '../store/embedded/ingest-log-events.js';
import type { Metrics } from './metrics.js';

/**
 * Turns ingest log events into a log line and a metric each (docs/operations.md says what the
 * operator does about each). Messages start with "ingest log" so one grep finds them all.
 */
export function reportIngestLog(logger: Logger, metrics: Metrics): IngestLogObserver {
  return (e: IngestLogEvent) => {
    switch (e.kind) {
      case 'damage': {
        const r = e.report;
        if (r.foldedRecords > 0)
          metrics.ingestLogDamagedRecords.inc({ state: 'folded' }, r.foldedRecords);
        if (r.unfoldedRecords > 0) {
          metrics.ingestLogDamagedRecords.inc({ state: 'unfolded' }, r.unfoldedRecords);
        }
        if (r.state === 'unacknowledged')
          metrics.ingestLogDamagedRecords.inc({ state: 'unacknowledged' });
        const what =
          r.state === 'unfolded'
            ? 'acknowledged records that are not in DuckDB are damaged'
            : r.state === 'folded'
              ? 'damaged records were already folded into DuckDB: nothing lost'
              : 'damaged bytes held no acknowledged record: nothing lost';
        const fields = { ...r, files: r.files.join(', ') };
        if (r.state === 'unfolded') logger.error(fields, `ingest log damage: ${what}`);
        else logger.warn(fields, `ingest log damage: ${what}`);
        return;
      }
      case 'torn_tail_cut':
        metrics.ingestLogTornTails.inc();
        logger.warn(
          e,
          'ingest log torn tail cut: an append that never completed (never acknowledged)',
        );
        return;
      case 'quarantined':
        metrics.ingestLogQuarantined.inc();
        logger.warn(e, 'ingest log segment that held damage moved to quarantine');
        return;
      case 'legacy_segment':
        logger.info(e, 'ingest log segment in the old format (one JSON line per record) replayed');
        return;
      case 'append_failed':
        metrics.ingestLogAppendFailures.inc({ code: e.code });
        metrics.ingestLogWriteBlocked.set(1);
        logger.error(e, 'ingest log append failed: the batch was answered 503 with Retry-After');
        return;
      case 'append_recovered':
        metrics.ingestLogWriteBlocked.set(0);
        logger.info(e, 'ingest log writes again');
        return;
    }
  };
}
