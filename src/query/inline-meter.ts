// Ad-hoc meters: a query may carry a meter definition instead of naming a stored one, so that an
// API surface can sum any field or group by any tag without a set-up step. Nothing is persisted.
// A stored meter that already holds the same numbers answers it from its rows; otherwise the store
// extracts the value and dimensions from the raw events at query time (EventSource). Pure.

import type { Aggregation } from '../contract/vocabulary.js';
import { AGGREGATIONS } from '../contract/vocabulary.js';
import { type Issue, ValidationError } from '../errors/domain-errors.js';
import { parseJsonPath } from '../lib/json-path.js';
import { MAX_DIMENSIONS, type MeterDefinition } from '../meter/meter-definition.js';
import type { EventSource } from './planned-query.js';

/** The shape of a meter, for one query. */
export interface InlineMeter {
  aggregation: Aggregation;
  eventType: string;
  /** RFC 3339; events before it are not counted. */
  eventFrom?: string;
  /** JSONPath of the value in `data` (not for COUNT). */
  valueProperty?: string;
  /** Dimension name -> JSONPath into `data`. */
  groupBy: Record<string, string>;
}

/**
 * A path key the raw-event read can extract exactly as ingest does. Only property names: an array
 * index, or a name of digits (which JS reads as an index on an array), is looked up differently by
 * the stores' JSON functions; and `length` as the last key reads an array's length in JS.
 */
const KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** The property keys of a path, or an issue saying why the raw-event read cannot take it. */
export function inlinePathKeys(path: string, at: string, issues: Issue[]): string[] | undefined {
  const keys = parseJsonPath(path);
  if (typeof keys === 'string') {
    issues.push({ path: at, message: `invalid JSONPath ${JSON.stringify(path)}: ${keys}` });
    return undefined;
  }
  const bad = keys.find((k) => typeof k !== 'string' || !KEY.test(k) || /^\d+$/.test(k));
  if (bad !== undefined) {
    issues.push({
      path: at,
      message: `${JSON.stringify(String(bad))}: an ad-hoc meter reads property names of letters, digits, "_" and "-" (not only digits)`,
    });
    return undefined;
  }
  if (keys.length > 16) {
    issues.push({ path: at, message: 'at most 16 levels' });
    return undefined;
  }
  if (keys[keys.length - 1] === 'length') {
    issues.push({ path: at, message: '"length" cannot be the last key of an ad-hoc meter path' });
    return undefined;
  }
  return keys as string[];
}

const sameKeys = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((k, i) => k === b[i]);

function keysOf(path: string | undefined): (string | number)[] | undefined {
  if (path === undefined) return undefined;
  const keys = parseJsonPath(path);
  return typeof keys === 'string' ? undefined : keys;
}

/** Validates an inline meter; throws a ValidationError naming every problem. */
export function compileInlineMeter(m: InlineMeter): EventSource {
  const issues: Issue[] = [];
  if (!(AGGREGATIONS as readonly string[]).includes(m.aggregation)) {
    issues.push({ path: 'meter.aggregation', message: `unknown aggregation ${m.aggregation}` });
  }
  if (m.eventType.length === 0) issues.push({ path: 'meter.eventType', message: 'required' });
  let eventFrom: number | undefined;
  if (m.eventFrom !== undefined) {
    eventFrom = Date.parse(m.eventFrom);
    if (!Number.isFinite(eventFrom)) {
      issues.push({ path: 'meter.eventFrom', message: 'must be an RFC 3339 date-time' });
    }
  }
  let value: string[] | undefined;
  if (m.aggregation === 'COUNT') {
    // COUNT counts events; a value property is ignored, as for a stored meter.
  } else if (m.valueProperty === undefined) {
    issues.push({ path: 'meter.valueProperty', message: `required for ${m.aggregation}` });
  } else {
    value = inlinePathKeys(m.valueProperty, 'meter.valueProperty', issues);
  }
  const entries = Object.entries(m.groupBy);
  if (entries.length > MAX_DIMENSIONS) {
    issues.push({ path: 'meter.groupBy', message: `at most ${MAX_DIMENSIONS} dimensions` });
  }
  const dims: string[][] = [];
  for (const [name, path] of entries) {
    if (name === 'subject' || name.length === 0) {
      issues.push({ path: `meter.groupBy.${name}`, message: 'not a dimension name' });
    }
    dims.push(inlinePathKeys(path, `meter.groupBy.${name}`, issues) ?? []);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  const source: EventSource = { eventType: m.eventType, aggregation: m.aggregation, dims };
  if (value) source.value = value;
  if (eventFrom !== undefined) source.eventFrom = eventFrom;
  return source;
}

/**
 * The stored meter that holds the same numbers as `m`, its dimensions renamed to `m`'s names:
 * same event type, aggregation, value path and eventFrom, and a dimension for every path `m`
 * groups by. Undefined when none does.
 */
export function matchStoredMeter(
  m: InlineMeter,
  stored: readonly MeterDefinition[],
): MeterDefinition | undefined {
  const want = Object.entries(m.groupBy).map(([name, path]) => [name, keysOf(path)] as const);
  const from = m.eventFrom === undefined ? undefined : Date.parse(m.eventFrom);
  for (const s of stored) {
    if (s.deletedAt || s.eventType !== m.eventType || s.aggregation !== m.aggregation) continue;
    if ((s.eventFrom === undefined ? undefined : Date.parse(s.eventFrom)) !== from) continue;
    if (m.aggregation !== 'COUNT' && !sameKeys(keysOf(s.valueProperty), keysOf(m.valueProperty))) {
      continue;
    }
    const paths = s.dimensions.map(([, p]) => keysOf(p));
    if (!want.every(([, keys]) => paths.some((p) => sameKeys(p, keys)))) continue;
    // Slots keep their order; a slot the query does not name gets a name no query can write.
    const dimensions = s.dimensions.map(([, p], i): [string, string] => {
      const named = want.find(([, keys]) => sameKeys(keys, paths[i]));
      return [named ? named[0] : `\u0000slot${i}`, p];
    });
    return { ...s, dimensions };
  }
  return undefined;
}

/** A meter definition for the planner that names no stored rows (slots are `m.groupBy`'s). */
export function adHocMeter(accountId: string, label: string, m: InlineMeter): MeterDefinition {
  const def: MeterDefinition = {
    id: `adhoc:${label}`,
    accountId,
    slug: label,
    name: label,
    aggregation: m.aggregation,
    eventType: m.eventType,
    dimensions: Object.entries(m.groupBy),
    createdAt: '',
    updatedAt: '',
  };
  if (m.valueProperty !== undefined) def.valueProperty = m.valueProperty;
  if (m.eventFrom !== undefined) def.eventFrom = m.eventFrom;
  return def;
}
