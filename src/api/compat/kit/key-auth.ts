// The key check every compat route runs: the profile says declaratively where its vendor sends the
// key; this middleware decides whether that key may read the profile's usage and keeps it in the
// context. A refusal is thrown as a domain error, which the profile renders in its vendor's body.

import type { Context, MiddlewareHandler } from 'hono';
import {
  BOUND_SECRET_REFUSAL,
  bindingRefusal,
  CUSTOMER_KEY_REFUSAL,
} from '../../../auth/key-binding.js';
import { ForbiddenError, UnauthorizedError } from '../../../errors/domain-errors.js';
import type { CompatDeps, CompatEnv, KeyKind, VerifiedKey } from '../profile.js';

export type { CompatEnv };

/** Where a profile's vendor sends the API key. */
export interface KeySource {
  profile: string;
  rawKey(c: Context): string | undefined;
}

export interface KeyRule {
  /** Key kinds that may call; secret keys only unless the vendor's route is readable by others. */
  kinds?: readonly KeyKind[];
  /** A call without a key passes with no key in the context (Livepeer's public total views). */
  optional?: boolean;
}

export const AUTH_MESSAGES = {
  missing: 'No API key was sent',
  invalid: 'The API key is invalid',
  binding: BOUND_SECRET_REFUSAL,
  kind: 'This kind of API key may not read usage',
  profile: 'This account has not enabled this compatibility profile',
} as const;

/** The key if it may read `profile`'s usage; otherwise throws Unauthorized or Forbidden. */
export async function verifyKey(
  deps: Pick<CompatDeps, 'keys' | 'accounts'>,
  rawKey: string | undefined,
  profile: string,
  kinds: readonly KeyKind[],
): Promise<VerifiedKey> {
  if (!rawKey) throw new UnauthorizedError(AUTH_MESSAGES.missing);
  const key = await deps.keys.verify(rawKey);
  if (!key) throw new UnauthorizedError(AUTH_MESSAGES.invalid);
  // The same rule as the native routes: a key whose binding is no longer valid reads nothing.
  if (bindingRefusal(key)) throw new ForbiddenError(AUTH_MESSAGES.binding);
  if (key.customerId !== undefined) throw new ForbiddenError(CUSTOMER_KEY_REFUSAL);
  if (!kinds.includes(key.kind)) throw new ForbiddenError(AUTH_MESSAGES.kind);
  if (!(await deps.accounts.hasProfile(key.accountId, profile))) {
    throw new ForbiddenError(AUTH_MESSAGES.profile);
  }
  return key;
}

export function requireKey(
  deps: Pick<CompatDeps, 'keys' | 'accounts'>,
  source: KeySource,
  rule: KeyRule = {},
): MiddlewareHandler<CompatEnv> {
  const kinds = rule.kinds ?? ['secret'];
  return async (c, next) => {
    const raw = source.rawKey(c);
    if (raw === undefined && rule.optional) return next();
    c.set('key', await verifyKey(deps, raw, source.profile, kinds));
    await next();
  };
}

/** The key requireKey verified; a route mounted without it is a server bug, refused as 401. */
export function verifiedKey(c: Context<CompatEnv>): VerifiedKey {
  const key = c.get('key');
  if (!key) throw new UnauthorizedError(AUTH_MESSAGES.missing);
  return key;
}

/** The subjects a key may read: its bound subject, or all (empty). */
export function keySubjects(key: VerifiedKey): string[] {
  return key.subject ? [key.subject] : [];
}

/** The key of `Authorization: Bearer <key>`, the style most vendors use. */
export const authorizationBearer = (c: Context): string | undefined =>
  bearerKey(c.req.header('authorization'));

/** `Bearer <key>` (case-insensitive scheme); undefined when absent or another scheme. */
export function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim() || undefined;
}
