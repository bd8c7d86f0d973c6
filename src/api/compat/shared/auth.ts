// Shared key check for every profile: each profile extracts the raw key from its own header style,
// then this decides whether the key may read that profile's usage. The profile renders the outcome
// in its vendor's error body.

import { BOUND_SECRET_REFUSAL, bindingRefusal } from '../../../auth/key-binding.js';
import type { CompatDeps, KeyKind, VerifiedKey } from '../profile.js';

export type AuthRefusal = 'missing' | 'invalid' | 'binding' | 'kind' | 'profile';

export type AuthOutcome =
  | { ok: true; key: VerifiedKey }
  | { ok: false; status: 401 | 403; reason: AuthRefusal };

export async function authorize(
  deps: CompatDeps,
  rawKey: string | undefined,
  profile: string,
  allowed: readonly KeyKind[] = ['secret'],
): Promise<AuthOutcome> {
  if (!rawKey) return { ok: false, status: 401, reason: 'missing' };
  const key = await deps.keys.verify(rawKey);
  if (!key) return { ok: false, status: 401, reason: 'invalid' };
  // The same rule as the native routes: a key whose binding is no longer valid reads nothing.
  if (bindingRefusal(key)) return { ok: false, status: 403, reason: 'binding' };
  if (!allowed.includes(key.kind)) return { ok: false, status: 403, reason: 'kind' };
  if (!(await deps.accounts.hasProfile(key.accountId, profile))) {
    return { ok: false, status: 403, reason: 'profile' };
  }
  return { ok: true, key };
}

export const AUTH_MESSAGES: Record<AuthRefusal, string> = {
  missing: 'No API key was sent',
  invalid: 'The API key is invalid',
  binding: BOUND_SECRET_REFUSAL,
  kind: 'This kind of API key may not read usage',
  profile: 'This account has not enabled this compatibility profile',
};

/** `Bearer <key>` (case-insensitive scheme); undefined when absent or another scheme. */
export function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim() || undefined;
}
