// Wire shapes of the Livepeer-compatible metrics API (as the official `livepeer` client sends and
// validates them; see the research notes on vendor SDK wire shapes, section 2).

import { z } from 'zod';
import { asList } from '../shared/query-params.js';
import { VIEW_DIMENSIONS } from './event-shape.js';

/** ISO 8601 or epoch milliseconds, as the client sends `Date` or `number`. */
const timestamp = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO 8601 date-time or epoch milliseconds',
    });
    return z.NEVER;
  }
  return ms;
});

/** Epoch milliseconds only (the usage endpoint); ISO is tolerated for curl users. */
const epochMs = timestamp;

/** One value or a repeated key, as an array of enum values. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => asList(v as string | string[] | undefined), z.array(item));

export const realtimeBreakdown = z.enum(['playbackId', 'device', 'browser', 'country']);
/** The stored view dimensions a breakdown may name (not the ids Livepeer filters by only), plus the
 * creator, which travels as the event subject. */
export const viewershipBreakdown = z
  .enum([...VIEW_DIMENSIONS, 'creatorId'])
  .exclude(['assetId', 'streamId', 'dStorageUrl']);
export const creatorBreakdown = viewershipBreakdown.exclude(['playbackId', 'geohash', 'creatorId']);
export const timeStep = z.enum(['hour', 'day', 'week', 'month', 'year']);
export const usageTimeStep = z.enum(['hour', 'day']);

export const realtimeQuery = z.object({
  playbackId: z.string().optional(),
  creatorId: z.string().optional(),
  'breakdownBy[]': list(realtimeBreakdown).optional(),
});

const viewershipBase = {
  from: timestamp.optional(),
  to: timestamp.optional(),
  timeStep: timeStep.optional(),
  assetId: z.string().optional(),
  streamId: z.string().optional(),
  creatorId: z.string().optional(),
};

export const viewershipQuery = z.object({
  ...viewershipBase,
  playbackId: z.string().optional(),
  'breakdownBy[]': list(viewershipBreakdown).optional(),
});

export const creatorViewershipQuery = z.object({
  ...viewershipBase,
  'breakdownBy[]': list(creatorBreakdown).optional(),
});

export const usageMetricsQuery = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  timeStep: usageTimeStep.optional(),
  creatorId: z.string().optional(),
  'breakdownBy[]': list(z.enum(['creatorId'])).optional(),
});

// Responses. Optional keys are left out rather than null: the client rejects null.
const dimensionKeys = {
  playbackId: z.string().optional(),
  creatorId: z.string().optional(),
  viewerId: z.string().optional(),
  dStorageUrl: z.string().optional(),
  device: z.string().optional(),
  deviceType: z.string().optional(),
  cpu: z.string().optional(),
  os: z.string().optional(),
  browser: z.string().optional(),
  browserEngine: z.string().optional(),
  continent: z.string().optional(),
  country: z.string().optional(),
  subdivision: z.string().optional(),
  timezone: z.string().optional(),
  geohash: z.string().optional(),
};

export const realtimeViewershipMetric = z.object({
  playbackId: z.string().optional(),
  device: z.string().optional(),
  browser: z.string().optional(),
  country: z.string().optional(),
  viewCount: z.number().int(),
  errorRate: z.number(),
});

export const viewershipMetric = z.object({
  ...dimensionKeys,
  timestamp: z.number().int().optional(),
  viewCount: z.number().int(),
  playtimeMins: z.number(),
  ttffMs: z.number().optional(),
  rebufferRatio: z.number().optional(),
  errorRate: z.number().optional(),
  exitsBeforeStart: z.number().optional(),
});

export const publicViewershipMetric = z.object({
  playbackId: z.string().optional(),
  dStorageUrl: z.string().optional(),
  viewCount: z.number().int().optional(),
  playtimeMins: z.number().optional(),
});

export const usageMetric = z.object({
  UserID: z.string().optional(),
  CreatorID: z.string().optional(),
  DeliveryUsageMins: z.number().optional(),
  TotalUsageMins: z.number().optional(),
  StorageUsageMins: z.number().optional(),
});

/** Livepeer's error body. */
export const livepeerError = z.object({ errors: z.array(z.string()) });

export type RealtimeViewershipMetric = z.infer<typeof realtimeViewershipMetric>;
export type ViewershipMetric = z.infer<typeof viewershipMetric>;
export type PublicViewershipMetric = z.infer<typeof publicViewershipMetric>;
export type UsageMetric = z.infer<typeof usageMetric>;
export type ViewershipBreakdown = z.infer<typeof viewershipBreakdown>;
