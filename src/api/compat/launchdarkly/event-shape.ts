// Events a feature-flag platform sends for the LaunchDarkly-compatible account usage API. Every
// `data` field is a string unless noted; `count`/`minutes` are numbers (pre-aggregated batches are
// fine: an SDK flushing 120 evaluations sends one event with count 120).
//
//   launchdarkly.context              one per context seen by an SDK (contexts, MAU endpoints)
//     contextKey, contextKind ("user" is the primary kind), anonymous ("true"/"false"),
//     sdkName, sdkType ("client"/"server"), sdkVersion, sdkAppId, category ("browser"/"mobile"/
//     "backend"), projectKey, projectId, environmentKey, environmentId
//   launchdarkly.evaluation           projectKey, environmentKey, flagKey, variation, count
//   launchdarkly.events               direction ("received"/"published"), count
//   launchdarkly.experimentation.event     projectKey, projectId, environmentKey, environmentId,
//                                          eventKey, eventKind, count
//   launchdarkly.experimentation.exposure  projectKey, projectId, environmentKey, environmentId,
//                                          experimentId, contextKey
//   launchdarkly.dataexport           projectKey, environmentKey, environmentId, eventKind, count
//   launchdarkly.observability        projectKey, kind ("errors"/"logs"/"metrics"/"sessions"/
//                                     "traces"), count
//   launchdarkly.service.connection   projectKey, projectId, environmentKey, environmentId,
//                                     connectionType, relayVersion, sdkName, sdkVersion, sdkType,
//                                     sdkAppId, minutes
//   launchdarkly.stream.connection    one per streaming connection opened: source ("client"/
//                                     "server"), sdk, version
//   launchdarkly.vega                 projectKey, count

export const LD_EVENT_TYPES = {
  context: 'launchdarkly.context',
  evaluation: 'launchdarkly.evaluation',
  events: 'launchdarkly.events',
  experimentationEvent: 'launchdarkly.experimentation.event',
  experimentationExposure: 'launchdarkly.experimentation.exposure',
  dataExport: 'launchdarkly.dataexport',
  observability: 'launchdarkly.observability',
  serviceConnection: 'launchdarkly.service.connection',
  streamConnection: 'launchdarkly.stream.connection',
  vega: 'launchdarkly.vega',
} as const;

/** The context kind counted by the MAU endpoints. */
export const PRIMARY_CONTEXT_KIND = 'user';
