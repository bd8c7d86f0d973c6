// The rules of binding a key to a subject, in one place: the key service's creation check and
// every authentication path read them from here, so a kind's rule cannot differ between native,
// portal and compat routes. What a binding means per kind is wire vocabulary (SUBJECT_BINDING).

import type { KeyKind } from '../contract/vocabulary.js';

/** Why a key of this kind may not be created with this subject, or undefined when it may. */
export function bindingCreationIssue(
  kind: KeyKind,
  subject: string | undefined,
): string | undefined {
  if (kind === 'secret' && subject !== undefined) {
    return 'a secret key is account-wide and cannot be bound to a subject: to read one subject create a subject-bound publishable key, to send events for one subject a subject-bound ingest key';
  }
  return undefined;
}

/** Why a key of this kind may not be bound to a customer, or undefined when it may. */
export function customerBindingIssue(
  kind: KeyKind,
  subject: string | undefined,
): string | undefined {
  if (kind !== 'publishable') {
    return "only a publishable key can be bound to a customer (it reads the customer's subjects)";
  }
  if (subject !== undefined) return 'a key is bound to a subject or to a customer, not both';
  return undefined;
}

/**
 * A customer-bound key on a route that does not read customers: refused, never read as an unbound
 * key (which would see the public meters of every subject).
 */
export const CUSTOMER_KEY_REFUSAL =
  'a customer-bound key reads meters, their usage and subjects only (GET /api/v1/meters..., /api/v1/portal/...)';

export const BOUND_SECRET_REFUSAL =
  'this secret key is bound to a subject, which secret keys no longer support (they are account-wide): re-issue it as a subject-bound publishable key to read one subject, or as an unbound secret key, and revoke this one';

/**
 * Why an existing key is refused at authentication, or undefined when it is not. Versions before
 * this rule let a secret key carry a subject that most routes ignored; such a key must not silently
 * read the whole account, so it is refused everywhere until it is re-issued.
 */
export function bindingRefusal(key: { kind: KeyKind; subject?: string }): string | undefined {
  return key.kind === 'secret' && key.subject !== undefined ? BOUND_SECRET_REFUSAL : undefined;
}
