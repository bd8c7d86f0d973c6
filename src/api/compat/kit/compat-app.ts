// A profile's Hono app: its vendor's error handler wired, and GET routes behind the key check.
// A profile declares where its vendor sends the key and how its errors look; nothing else here is
// per vendor.

import { type Handler, Hono } from 'hono';
import type { CompatDeps } from '../profile.js';
import type { DomainStatus } from './compat-status.js';
import { type CompatEnv, type KeyRule, type KeySource, requireKey } from './key-auth.js';
import { type VendorErrors, vendorErrorHandler } from './vendor-errors.js';

export interface CompatSpec<S extends DomainStatus | 422> extends KeySource {
  errors: VendorErrors<S>;
}

export interface CompatKit {
  app: Hono<CompatEnv>;
  /**
   * GET `path` behind the key check (secret keys unless `rule` says otherwise). The check is
   * registered as middleware on the same path rather than as a second handler, so that the app's
   * route list names each route once.
   */
  get(path: string, handler: Handler<CompatEnv>, rule?: KeyRule): void;
}

export function compatKit<S extends DomainStatus | 422>(
  deps: Pick<CompatDeps, 'keys' | 'accounts'>,
  spec: CompatSpec<S>,
): CompatKit {
  const app = new Hono<CompatEnv>();
  app.onError(vendorErrorHandler(spec.errors));
  return {
    app,
    get(path, handler, rule) {
      app.use(path, requireKey(deps, spec, rule));
      app.get(path, handler);
    },
  };
}
