import type { KeyKind } from '../contract/vocabulary.js';
import { ForbiddenError } from '../errors/domain-errors.js';

/** True when the account marked the meter public (metadata `public: "true"`). */
export function isPublicMeter(meter: { metadata?: Record<string, string> | null }): boolean {
  return meter.metadata?.public === 'true';
}

/** A publishable key bound to neither a subject nor a customer. */
export function isUnboundPublishable(key: {
  kind: KeyKind;
  subject?: string;
  customerId?: string;
}): boolean {
  return key.kind === 'publishable' && key.subject === undefined && key.customerId === undefined;
}

/**
 * Unbound publishable keys live in browsers and public pages: they may read a meter, its numbers
 * and its names (subjects, dimension values) only when the account made it public. Every other
 * reading key reads every meter, a subject-bound one only its own subject (the caller restricts).
 */
export function assertMeterReadable(
  key: { kind: KeyKind; subject?: string; customerId?: string },
  meter: { slug: string; metadata?: Record<string, string> | null },
): void {
  if (isUnboundPublishable(key) && !isPublicMeter(meter)) {
    throw new ForbiddenError(
      `meter ${meter.slug} is not public; use a subject-bound publishable key or a secret key`,
    );
  }
}
