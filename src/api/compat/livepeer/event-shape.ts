// The events a video platform sends so that every Livepeer-compatible metric has data. The
// player (or its analytics relay) emits one `started` event per view, one `firstframe` event when
// playback begins, `heartbeat` events every ~10 s with the time played and rebuffered since the
// previous one, and an `error` event per playback error. The platform sends `transcode` and
// `storage` events for the usage endpoint. The CloudEvent `subject` is the creator id (the
// platform's customer), which is what `creatorId` filters and breaks down by.

export const LIVEPEER_EVENT_TYPES = {
  viewStarted: 'livepeer.view.started',
  firstFrame: 'livepeer.view.firstframe',
  heartbeat: 'livepeer.view.heartbeat',
  viewError: 'livepeer.view.error',
  transcode: 'livepeer.transcode',
  storage: 'livepeer.storage',
} as const;

/**
 * Viewer attributes every player event carries in `data` (all strings, all optional except
 * `sessionId` and `playbackId`). These are the meters' dimensions, in slot order; there are
 * exactly 16, the engine's limit, so `creatorId` travels as the CloudEvent subject instead.
 */
export const VIEW_DIMENSIONS = [
  'playbackId',
  'assetId',
  'streamId',
  'viewerId',
  'dStorageUrl',
  'deviceType',
  'device',
  'cpu',
  'os',
  'browser',
  'browserEngine',
  'continent',
  'country',
  'subdivision',
  'timezone',
  'geohash',
] as const;

export type ViewDimension = (typeof VIEW_DIMENSIONS)[number];

/** Shape of `data` for player events (documentation and the demo generator use it). */
export interface PlayerEventData extends Partial<Record<ViewDimension, string>> {
  sessionId: string;
  playbackId: string;
  /** firstframe: milliseconds from load to first frame. */
  ttffMs?: number;
  /** heartbeat: milliseconds played since the previous heartbeat. */
  playtimeMs?: number;
  /** heartbeat: milliseconds spent rebuffering since the previous heartbeat. */
  rebufferMs?: number;
  /** error: a short error class, e.g. "network". */
  errorType?: string;
}
