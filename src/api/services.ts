import type { MiddlewareHandler } from 'hono';
import type { KeyService } from '../auth/key-service.js';
import type { KeyKind } from '../contract/vocabulary.js';
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
  metrics: Metrics;
  now: () => number;
  /** Authentication + kind check + rate limit for a route. */
  auth: (kinds: readonly KeyKind[]) => MiddlewareHandler<AppEnv>;
  adminToken: string | undefined;
  maxBodyBytes: number;
  /** Called when an account enables compat profiles (creates preset meters). */
  enableProfiles: (accountId: string, profiles: string[]) => Promise<void>;
}
