// THEO's `start`/`end` and `utcOffset`: dates are whole days in the offset zone (an end date
// includes its day), date-times keep their own zone and default to the offset zone.

/** A fixed offset in minutes as a zone name, e.g. -120 -> "-02:00". */
export function offsetZone(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}

/** A date (midnight in the offset zone), or a date-time (its own zone, else the offset zone). */
export function parseInstant(
  raw: string,
  offsetMin: number,
  endOfDay: boolean,
): number | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (day) {
    const ms = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) - offsetMin * 60_000;
    // An end date covers its whole day: end=2025-01-31 includes January 31st.
    return endOfDay ? ms + 86_400_000 : ms;
  }
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}${offsetZone(offsetMin)}`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : undefined;
}
