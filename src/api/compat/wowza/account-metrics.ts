// The account endpoint's numbers as engine metrics over the stream-target and transcoder meters:
// totals for the range, and the viewing trend (its window size is the TREND_WINDOW policy).

import { div, type MetricSet, meter, round } from '../../../query/metric-expr.js';
import { ENTITY_KINDS, type EntityKind, sumMeter, viewersMeter } from './entities.js';

function kind(plural: string): EntityKind {
  const k = ENTITY_KINDS.find((e) => e.plural === plural);
  if (!k) throw new Error(`entity table has no ${plural}`);
  return k;
}

const target = kind('stream_targets');
const transcoder = kind('transcoders');
const viewingSeconds = meter(sumMeter(target, 'viewing_seconds'));

export const ACCOUNT_METRICS: MetricSet = {
  viewing_seconds: viewingSeconds,
  viewing_bytes: meter(sumMeter(target, 'viewing_bytes')),
  // Viewing seconds per distinct viewer, rounded: the wire carries an integer.
  avg_viewing_seconds: round(div(viewingSeconds, meter(viewersMeter(target)))),
  egress_seconds: meter(sumMeter(transcoder, 'egress_seconds')),
  egress_seconds_additional_targets: meter(
    sumMeter(transcoder, 'egress_seconds_additional_targets'),
  ),
  egress_bytes: meter(sumMeter(transcoder, 'egress_bytes')),
};

export const TREND_METRICS: MetricSet = {
  viewing_seconds: viewingSeconds,
  viewing_bytes: meter(sumMeter(target, 'viewing_bytes')),
};
