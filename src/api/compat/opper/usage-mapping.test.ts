// Opper's usage parameters as its analytics API describes them: `fields` sum keys of an event's
// `event_metadata`, `group_by` groups by keys of its `tags` (a dotted name is a nested key), and a
// group may not overwrite a reported column.

import { describe, expect, it } from 'vitest';
import { OPPER_EVENT_TYPE } from './event-shape.js';
import { fieldMeter, namesProblem } from './usage-mapping.js';

describe('Opper usage mapping', () => {
  it('a field is the sum of its event_metadata key, per group of tags; dots nest', () => {
    expect(fieldMeter('usage.total_tokens', ['customer_tier', 'org.team'])).toEqual({
      aggregation: 'SUM',
      eventType: OPPER_EVENT_TYPE,
      valueProperty: "$['event_metadata']['usage']['total_tokens']",
      groupBy: {
        customer_tier: "$['tags']['customer_tier']",
        'org.team': "$['tags']['org']['team']",
      },
    });
  });

  it('accepts plain and nested names', () => {
    expect(namesProblem(['cached_tokens'], ['customer_tier', 'org.team'])).toBeUndefined();
  });

  it('refuses a name that is not a key path, and a group that would overwrite a column', () => {
    expect(namesProblem(['no pe'], [])).toMatch(/Invalid name "no pe"/);
    expect(namesProblem([], ['a..b'])).toMatch(/Invalid name/);
    for (const column of ['cost', 'time_bucket']) {
      expect(namesProblem([], [column]), column).toMatch(/overwrite/);
    }
    expect(namesProblem(['latency'], ['latency'])).toMatch(/overwrite/);
  });
});
