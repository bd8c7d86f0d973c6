// Wire shapes of the LaunchDarkly-compatible responses (research notes, section 4.3). The
// official TypeScript client does not validate responses, so tests validate against these.

import { z } from 'zod';

const links = z.record(z.string(), z.unknown());

export const seriesListRep = z.object({
  _links: links,
  metadata: z.array(z.record(z.string(), z.unknown())),
  series: z.array(z.record(z.string(), z.number())),
});

export const sdkListRep = z.object({ _links: links, sdks: z.array(z.string()) });

export const sdkVersionListRep = z.object({
  _links: links,
  sdkVersions: z.array(z.object({ sdk: z.string(), version: z.string() })),
});

export const ldErrorRep = z.object({ code: z.string(), message: z.string() });

export type SeriesListRep = z.infer<typeof seriesListRep>;

/** Epoch milliseconds or seconds (values below 1e11 are seconds: that is before 1973 in ms). */
export function parseEpoch(raw: string): number | undefined {
  if (!/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n < 1e11 ? n * 1000 : n;
}
