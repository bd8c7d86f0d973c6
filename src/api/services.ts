import type { MiddlewareHandler } from 'hono';
import type { AlertService } from '../alert/alert-service.js';
import type { KeyService } from '../auth/key-service.js';
import type { KeyKind } from '../contract/vocabulary.js';
import type { CorrectionService } from '../correction/correction-service.js';
import type { CustomerService } from '../customer/customer-service.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { MeterService } from '../meter/meter-service.js';
import type { Metrics } from '../ops/metrics.js';
import type { UsageService } from '../query/usage-service.js';
import type { Store } from '../store/ports.js';
import type { AppEnv } from './context.js';

/** What the HTTP layer is given by the composition root. */
export interface Services {
  store: Store;
  meters: MeterService;
  usage: UsageService;
  ingest: IngestService;
  keys: KeyService;
  /** Usage alerts: rules, webhook endpoints, deliveries (src/alert/). */
  alerts: AlertService;
  metrics: Metrics;
  now: () => number;
  /**
   * Authentication + kind check + rate limit for a route. `customerBound`: the route reads a
   * customer-bound key's customer (other routes refuse such keys).
   */
  auth: (kinds: readonly KeyKind[], customerBound?: boolean) => MiddlewareHandler<AppEnv>;
  customers: CustomerService;
  /** Voids and replacements of stored events, with their audit log (src/correction/). */
  corrections: CorrectionService;
  adminToken: string | undefined;
  maxBodyBytes: number;
  /** Called when an account enables compat profiles (creates preset meters). */
  enableProfiles: (accountId: string, profiles: string[]) => Promise<void>;
}
