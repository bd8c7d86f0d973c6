// The instant grammar of query parameters: RFC 3339, epoch milliseconds, or relative to now.
// Anything else, and any instant outside years 0000..9999, is refused rather than handed to
// Date.parse, which guesses at free text ("last tuesday") and yields instants no Date can print.
import { Duration } from 'luxon';

/** 0000-01-01T00:00:00Z, the first instant RFC 3339 can write. */
export const MIN_INSTANT = -62_167_219_200_000;
/** 10000-01-01T00:00:00Z: the end of the last year RFC 3339 can write (allowed as an exclusive end). */
export const MAX_INSTANT = 253_402_300_800_000;

/** Relative to the time of the request: `now`, or `-` and an ISO 8601 duration (`-PT1M`, `-P30D`). */
export const RELATIVE_INSTANT = /^(?:now|-P(?:\d+[DW])?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$/;

const EPOCH_MS = /^\d{1,16}$/;
// A full RFC 3339 date-time (the zone is required: a local time would depend on the server's), or
// a plain date, read as midnight UTC.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2})))?$/;

export const INSTANT_GRAMMAR =
  'RFC 3339 (2024-01-31T00:00:00Z or 2024-01-31), epoch milliseconds, "now" or a negative ISO 8601 duration such as -PT1M or -P30D, between years 0000 and 9999';

function inRange(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= MIN_INSTANT && ms <= MAX_INSTANT ? ms : undefined;
}

function rfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, oh, om] = m.map(Number);
  const date = new Date(0);
  date.setUTCFullYear(y as number, (mo as number) - 1, d as number);
  // Reject what Date would roll over (2024-02-30, 25:00), which is not the instant that was written.
  if (date.getUTCMonth() !== (mo as number) - 1 || date.getUTCDate() !== d) return undefined;
  if (m[4] !== undefined && ((h as number) > 23 || (mi as number) > 59 || (sec as number) > 60)) {
    return undefined;
  }
  if (m[7] !== undefined && ((oh as number) > 23 || (om as number) > 59)) return undefined;
  return inRange(Date.parse(m[4] === undefined ? `${s}T00:00:00Z` : s));
}

/**
 * An instant as written, read once: an absolute instant, or a span before the time of the request
 * ("now" is 0 before it). Resolving it needs only `now`, so a request schema can parse the text
 * and the handler resolve it against its own (injectable) clock.
 */
export type InstantSpec = { readonly at: number } | { readonly ago: number };

/** The instant `s` describes, or undefined when it is not in the grammar or out of range. */
export function parseInstantSpec(s: string): InstantSpec | undefined {
  if (EPOCH_MS.test(s)) {
    const at = inRange(Number(s));
    return at === undefined ? undefined : { at };
  }
  if (s === 'now') return { ago: 0 };
  // "-P" and "-PT" match the pattern with no amount at all: not an instant anyone meant.
  if (RELATIVE_INSTANT.test(s) && /\d/.test(s)) {
    const d = Duration.fromISO(s.slice(1));
    const ago = d.isValid ? d.toMillis() : Number.NaN;
    // No `now` between years 0000 and 9999 is that far after another instant in that range.
    return Number.isFinite(ago) && ago <= MAX_INSTANT - MIN_INSTANT ? { ago } : undefined;
  }
  const at = rfc3339(s);
  return at === undefined ? undefined : { at };
}

/** The instant `spec` names at `now`, or undefined when that falls outside years 0000..9999. */
export function resolveInstant(spec: InstantSpec, now: number): number | undefined {
  return 'at' in spec ? spec.at : inRange(now - spec.ago);
}

/** The instant `s` names, or undefined when it is not in the grammar or out of range. */
export function parseInstantText(s: string, now: number): number | undefined {
  const spec = parseInstantSpec(s);
  return spec === undefined ? undefined : resolveInstant(spec, now);
}
