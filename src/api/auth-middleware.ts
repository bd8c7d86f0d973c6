import type { MiddlewareHandler } from 'hono';
import { bindingRefusal, CUSTOMER_KEY_REFUSAL } from '../auth/key-binding.js';
import type { KeyService } from '../auth/key-service.js';
import type { RateLimiter } from '../auth/rate-limiter.js';
import type { KeyKind } from '../contract/vocabulary.js';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../errors/domain-errors.js';
import type { AppEnv } from './context.js';

/** The raw key of an `Authorization: Bearer <key>` header (or a bare key). */
export function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return (m?.[1] ?? header).trim() || undefined;
}

/** Authenticates the key, refuses keys whose binding is no longer valid, and checks that its
 * kind may use the route. A customer-bound key passes only routes that read its customer
 * (`customerBound`). */
export function requireKey(
  keys: KeyService,
  limiter: RateLimiter,
  kinds: readonly KeyKind[],
  customerBound = false,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = bearerKey(c.req.header('authorization'));
    if (!raw) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
    const principal = await keys.verify(raw);
    if (!principal) throw new UnauthorizedError('invalid or revoked API key');
    const refused = bindingRefusal(principal);
    if (refused) throw new ForbiddenError(refused);
    if (principal.customerId !== undefined && !customerBound) {
      throw new ForbiddenError(CUSTOMER_KEY_REFUSAL);
    }
    if (!kinds.includes(principal.kind)) {
      throw new ForbiddenError(
        `a ${principal.kind} key may not ${c.req.method} ${c.req.routePath}`,
      );
    }
    const wait = limiter.take(principal.keyId);
    if (wait > 0) throw new RateLimitedError('rate limit exceeded for this key', wait);
    c.set('principal', principal);
    await next();
  };
}
