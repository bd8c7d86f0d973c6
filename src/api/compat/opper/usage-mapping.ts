// How Opper's usage parameters map onto ad-hoc meters: each name in `fields` is the SUM of that
// `event_metadata` key, each name in `group_by` a dimension read from that key of `tags` (dotted
// names nest), and `granularity` a calendar window.

import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import type { InlineMeter } from '../../../query/inline-meter.js';
import type { WindowSize } from '../../../query/usage-query.js';
import { OPPER_EVENT_TYPE } from './event-shape.js';

/** `granularity` -> the UTC calendar window of the same unit. */
export const WINDOWS: Record<string, WindowSize> = {
  minute: 'MINUTE',
  hour: 'HOUR',
  day: 'DAY',
  month: 'MONTH',
  year: 'YEAR',
};

/** A metadata field or tag name: keys of letters, digits, `_` and `-`, dots between levels. */
const NAME = /^[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{1,64}){0,7}$/;
const MAX_FIELDS = 32;

/** A dotted name as a JSONPath under `root` (bracket keys, so digits and `-` need no care). */
const pathOf = (root: string, name: string) =>
  `$['${root}']${name
    .split('.')
    .map((k) => `['${k}']`)
    .join('')}`;

/** The sum of one metadata field per tag group: a stored meter answers it when one matches. */
export function fieldMeter(field: string, groupBy: readonly string[]): InlineMeter {
  return {
    aggregation: 'SUM',
    eventType: OPPER_EVENT_TYPE,
    valueProperty: pathOf('event_metadata', field),
    groupBy: Object.fromEntries(groupBy.map((g) => [g, pathOf('tags', g)])),
  };
}

/** Why the names cannot be used, or undefined. */
export function namesProblem(
  fields: readonly string[],
  groupBy: readonly string[],
): string | undefined {
  const bad = [...fields, ...groupBy].find((n) => !NAME.test(n));
  if (bad !== undefined) {
    return `Invalid name ${JSON.stringify(bad)}: use letters, digits, "_" and "-", with "." between nested keys`;
  }
  if (fields.length > MAX_FIELDS) return `At most ${MAX_FIELDS} fields`;
  if (groupBy.length > MAX_DIMENSIONS) return `At most ${MAX_DIMENSIONS} group_by tags`;
  const clash = groupBy.find((g) => g === 'time_bucket' || g === 'cost' || fields.includes(g));
  if (clash) return `group_by ${clash} would overwrite a reported value`;
  return undefined;
}
