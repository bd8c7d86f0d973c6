// Reads a query string into a plain object for zod: repeated keys become arrays, single keys stay
// strings. Keys ending in "[]" (Livepeer's breakdownBy[]) are kept as sent; schemas name them.

export function queryObject(url: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URL(url).searchParams) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Normalises "one or many" to an array. */
export function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
