import { KeyService } from '../../src/auth/key-service.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { MeterService } from '../../src/meter/meter-service.js';
import { UsageService } from '../../src/query/usage-service.js';
import type { Store } from '../../src/store/ports.js';

/** The domain services over one store, as the server wires them (for store-level tests). */
export function domainOver(store: Store, now: () => number = Date.now) {
  const meters = new MeterService(store, now, 0);
  return {
    store,
    meters,
    usage: new UsageService(meters, store),
    ingest: new IngestService(store, meters, { maxInFlightEvents: 1_000_000 }, undefined, now),
    keys: new KeyService(store, now, 0),
  };
}

export type Domain = ReturnType<typeof domainOver>;
