import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';

const OFFSET = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/;

/**
 * Parses an IANA zone name ("Europe/Berlin", "UTC") or a fixed offset ("+05:45", "-0330",
 * "UTC+01:00"). Returns undefined when the text is neither.
 */
export function parseZone(text: string): Zone | undefined {
  if (text === 'UTC' || text === 'Z' || text === 'Etc/UTC') return FixedOffsetZone.utcInstance;
  const m = OFFSET.exec(text);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    if (Number(m[2]) > 18 || Number(m[3]) > 59) return undefined;
    return FixedOffsetZone.instance(m[1] === '-' ? -minutes : minutes);
  }
  const zone = IANAZone.create(text);
  return zone.isValid ? zone : undefined;
}

/** Offset of `zone` at instant `ms`, in milliseconds. */
export function offsetMs(zone: Zone, ms: number): number {
  return zone.offset(ms) * 60_000;
}

export interface OffsetChange {
  at: number;
  offsetMs: number;
}

const HOUR = 3_600_000;

/**
 * The offset in force at `from`, then every change of offset in [from, to), found by probing every
 * 6 hours and bisecting to the millisecond (no real zone changes offset twice within 6 hours).
 */
export function offsetChanges(zone: Zone, from: number, to: number): OffsetChange[] {
  const changes: OffsetChange[] = [{ at: from, offsetMs: offsetMs(zone, from) }];
  if (zone.isUniversal) return changes;
  let prevT = from;
  let prevOff = changes[0]?.offsetMs ?? 0;
  for (let t = from + 6 * HOUR; prevT < to; t += 6 * HOUR) {
    const probe = Math.min(t, to);
    const off = offsetMs(zone, probe);
    if (off !== prevOff) {
      let lo = prevT;
      let hi = probe;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMs(zone, mid) === prevOff) lo = mid;
        else hi = mid;
      }
      changes.push({ at: hi, offsetMs: off });
      prevOff = off;
    }
    prevT = probe;
    if (probe === to) break;
  }
  return changes;
}
