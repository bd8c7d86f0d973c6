// What a meter accepts as an event's value. An unusable value is never counted and never silent:
// the extraction says why (a closed set of reasons, so that a metric label stays bounded), the
// ingest response reports it to the sender, and the event list shows it on the stored event.

import type { ValueProblemReason } from '../contract/vocabulary.js';

/**
 * The largest magnitude a meter counts: 2^53 - 1. Beyond it a double no longer holds every
 * integer, so a value would be counted rounded; and below it no realistic number of events can
 * push a SUM past the double range. Negative values are allowed (credits and corrections: events
 * are immutable and deduplicated, so a negative event is how a sender takes usage back).
 */
export const MAX_METER_VALUE = Number.MAX_SAFE_INTEGER;

// A JSON number, optionally signed, with surrounding blanks: what a sender means by "a number in a
// string". Hex, binary, "Infinity" and "1_000" are not numbers here, whatever Number() says.
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export type Judged<T> =
  | { value: T; reason?: undefined }
  | { value: null; reason: ValueProblemReason };

/** The number a SUM, AVG, MIN, MAX or LATEST meter counts for a raw value, or why none. */
export function numericValue(raw: unknown): Judged<number> {
  if (raw === undefined || raw === null) return { value: null, reason: 'missing' };
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && DECIMAL.test(raw)) n = Number(raw);
  else return { value: null, reason: 'not_a_number' };
  if (!Number.isFinite(n)) return { value: null, reason: 'non_finite' };
  if (Math.abs(n) > MAX_METER_VALUE) return { value: null, reason: 'too_large' };
  return { value: n };
}

/** The text a UNIQUE_COUNT meter counts for a raw value, or why none. */
export function distinctValue(raw: unknown): Judged<string> {
  if (raw === undefined || raw === null) return { value: null, reason: 'missing' };
  const text = scalarText(raw);
  return text === null ? { value: null, reason: 'not_a_scalar' } : { value: text };
}

/**
 * A dimension or distinct value: primitives as text, anything else null. A lone surrogate (valid
 * in a JS string, not in UTF-8) becomes U+FFFD here, so the text stored is the text read back
 * after any restart, and the same at ingest and at backfill.
 */
export function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v.replace(LONE_SURROGATE, '\uFFFD');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;

const MESSAGES: Record<ValueProblemReason, string> = {
  missing: 'is missing or null',
  not_a_number: 'is not a number (send a JSON number or a decimal string)',
  non_finite: 'is a number outside the double range',
  too_large: `has a magnitude above ${MAX_METER_VALUE}`,
  not_a_scalar: 'is an object or array (send a string, number or boolean)',
};

/** A sentence for the sender: `meter tokens: $.tokens is not a number (...)`. */
export function describeValueProblem(
  meter: string,
  field: string,
  reason: ValueProblemReason,
): string {
  return `meter ${meter}: ${field} ${MESSAGES[reason]}; the event is stored but this meter does not count it`;
}
