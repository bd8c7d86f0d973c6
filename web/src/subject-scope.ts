// What a subject-bound key can use. Such a key may query every meter, but only for its own subject,
// so the API lists every meter and every dimension. GET /api/v1/me names the subject but not where
// it has usage: the page asks the usage API itself (one total per meter, one value list per
// dimension) and offers only meters and dimensions that have something to show for that subject.
import type { ApiClient, Meter } from './api-client';

/** The start of every lookup here: the subject's whole history, not the view's range. */
const ALL_TIME = new URLSearchParams({ from: '1970-01-01T00:00:00Z' });
const PARALLEL = 6;

async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return out;
}

/** Meters on which the key's subject has any usage (a meter that cannot be checked is kept). */
export async function metersWithUsage(client: ApiClient, meters: Meter[]): Promise<Meter[]> {
  const used = await mapLimited(meters, async (m) => {
    try {
      return (await client.query(m.slug, ALL_TIME)).data.length > 0;
    } catch {
      return true;
    }
  });
  return meters.filter((_, i) => used[i]);
}

/**
 * The meter's dimensions for which the key's subject has values. "subject" is never offered: the
 * key sees one subject, so grouping or filtering by it changes nothing.
 */
export async function dimensionsWithValues(client: ApiClient, meter: Meter): Promise<string[]> {
  const dims = Object.keys(meter.groupBy ?? {});
  const has = await mapLimited(dims, async (d) => {
    try {
      return (await client.groupByValues(meter.slug, d, ALL_TIME)).length > 0;
    } catch {
      return true;
    }
  });
  return dims.filter((_, i) => has[i]);
}
