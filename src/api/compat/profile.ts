// The contract between the server and every compat profile. A profile is a thin, declarative
// mapping from a vendor's usage API onto the native query model: it owns its wire shapes, where
// its vendor sends the key and its error bodies; the kit (kit/) does the key check, query parsing
// and error mapping, and the UsageService every number.
//
// The dependency types below are structural on purpose: the server passes its real services
// (UsageService, MeterService, KeyService), and profiles need only these few methods, which keeps
// them testable with tiny fakes and independent of how the services are wired.

import type { Hono } from 'hono';
import type { KeyKind } from '../../contract/vocabulary.js';
import type { MeterInput } from '../../meter/meter-input.js';
import type { MetricsQuery, MetricsResult, TotalsQuery } from '../../query/metrics-query.js';
import type { UsageQuery, UsageResult } from '../../query/usage-query.js';

/** A preset meter is a meter as the native API creates it (OpenMeter MeterCreate). */
export type { KeyKind, MeterInput };

/** A CloudEvent as the demo generator produces it and the ingest path accepts it. */
export interface CloudEventInput {
  id: string;
  source: string;
  specversion: '1.0';
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

export interface VerifiedKey {
  accountId: string;
  kind: KeyKind;
  /** A publishable key bound to one subject sees only that subject's usage; a secret key with a
   * subject (made by older versions) is refused by the kit's key check. */
  subject?: string;
  /** A customer-bound publishable key: refused by the kit's key check (compat reads no customers). */
  customerId?: string;
}

/**
 * The engine as profiles see it. Totals, several meters side by side and ratios of meters are
 * engine features (queryTotals, queryMetrics): a profile declares them, it never sums rows.
 */
export interface UsagePort {
  query(accountId: string, q: UsageQuery): Promise<UsageResult>;
  queryMetrics(accountId: string, q: MetricsQuery): Promise<MetricsResult>;
  queryTotals(accountId: string, q: TotalsQuery): Promise<Record<string, number>>;
}

export interface MeterPort {
  list(
    accountId: string,
  ): Promise<readonly { slug: string; metadata?: Record<string, string> | null }[]>;
}

export interface KeyPort {
  verify(rawKey: string): Promise<VerifiedKey | undefined>;
}

export interface AccountPort {
  hasProfile(accountId: string, name: string): Promise<boolean>;
  /**
   * Accounts that enabled a profile. Needed only where a vendor allows anonymous calls (Livepeer's
   * public total views), because then no key names the account.
   */
  withProfile?(name: string): Promise<string[]>;
}

export interface CompatDeps {
  usage: UsagePort;
  meters: MeterPort;
  keys: KeyPort;
  accounts: AccountPort;
  /** Injectable clock so that defaults such as "current month" are testable. */
  now?: () => number;
}

/** What compat routes keep in the Hono context: the verified key (absent on an anonymous call). */
export type CompatEnv = { Variables: { key: VerifiedKey | undefined } };

export interface DemoOptions {
  /** Epoch ms; events are generated up to this instant. */
  now: number;
  days: number;
  seed: number;
}

export interface CompatProfile {
  name: string;
  /** Mount point; the vendor's own paths follow it unchanged. */
  basePath: string;
  presets: MeterInput[];
  /** Built with the kit (kit/compat-app.ts): the verified key lives in the context. */
  routes(deps: CompatDeps): Hono<CompatEnv>;
  demoEvents(opts: DemoOptions): Iterable<CloudEventInput>;
}
