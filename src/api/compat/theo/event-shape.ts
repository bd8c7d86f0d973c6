// Events a live-streaming platform sends for the THEO-compatible usage API:
//   theo.viewing      one per viewer session slice: channelId, distributionId, streamingFormat
//                     (e.g. "hls", "dash", "webrtc"), viewingMinutes (number), bytes (number)
//   theo.transcoding  one per engine run slice: channelId, engineId, minutes (number)
// The CloudEvent subject is free (e.g. the platform's customer); channels are in `data`.

export const THEO_EVENT_TYPES = {
  viewing: 'theo.viewing',
  transcoding: 'theo.transcoding',
} as const;
