// Events a video platform sends for the Wowza-compatible usage API. Every entity event carries
// `id` and the entity's current attributes (`name`, `archived`, and `type` or `transcoder_type`/
// `billing_mode`); the usage endpoints report the attributes most recently sent.
//   wowza.stream_target.viewing   id, name, archived, type, viewerId, viewing_seconds, viewing_bytes
//   wowza.vod_stream.viewing      id, name, archived, type, viewerId, viewing_seconds, viewing_bytes
//   wowza.transcoder.egress       id, name, archived, transcoder_type, billing_mode, egress_seconds,
//                                 egress_bytes, egress_seconds_additional_targets
//   wowza.real_time_stream.usage  id, name, bytes_in, bytes_out
//   wowza.storage.sample          bytes (total bytes stored at the time of the sample)

export const WOWZA_EVENT_TYPES = {
  streamTarget: 'wowza.stream_target.viewing',
  vodStream: 'wowza.vod_stream.viewing',
  transcoder: 'wowza.transcoder.egress',
  realTimeStream: 'wowza.real_time_stream.usage',
  storage: 'wowza.storage.sample',
} as const;
