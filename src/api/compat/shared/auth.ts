// Shared key check for every profile: each profile extracts the raw key from its own header style,
// then this decides whether the key may read that profile's usage. The profile renders the outcome
// in its vendor's error body.

import type { CompatDeps, KeyKind, VerifiedKey } from '../profile.js';

export type AuthOutcome =
  | { ok: true; key: VerifiedKey }
  | { ok: false; status: 401 | 403; reason: 'missing' | 'invalid' | 'kind' | 'profile' };

export async function authorize(
  deps: CompatDeps,
  rawKey: string | undefined,
  profile: string,
  allowed: readonly KeyKind[] = ['secret'],
): Promise<AuthOutcome> {
  if (!rawKey) return { ok: false, status: 401, reason: 'missing' };
  const key = await deps.keys.verify(rawKey);
  if (!key) return { ok: false, status: 401, reason: 'invalid' };
  if (!allowed.includes(key.kind)) return { ok: false, status: 403, reason: 'kind' };
  if (!(await deps.accounts.hasProfile(key.accountId, profile))) {
    return { ok: false, status: 403, reason: 'profile' };
  }
  return { ok: true, key };
}

export const AUTH_MESSAGES: Record<'missing' | 'invalid' | 'kind' | 'profile', string> = {
  missing: 'No API key was sent',
  invalid: 'The API key is invalid',
  kind: 'This kind of API key may not read usage',
  profile: 'This account has not enabled this compatibility profile',
};

/** `Bearer <key>` (case-insensitive scheme); undefined when absent or another scheme. */
export function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim() || undefined;
}
