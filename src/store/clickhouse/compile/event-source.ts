// The raw events read as meter rows, for an ad-hoc meter (EventSource in ports.ts): value and
// dimensions extracted from `data` at query time with the rules of ingest (meter/extract.ts,
// meter/value-rules.ts); see the embedded store's compile-event-source.ts for the reasoning.
// Needs ClickHouse's JSON functions (JSONType, JSONExtract*), which 18.16 does not have: there an
// ad-hoc meter is answered only when a stored meter matches it (query/inline-meter.ts).
import { MAX_METER_VALUE } from '../../../meter/value-rules.js';
import type { EventSource } from '../../../query/planned-query.js';
import { lit, litList } from '../quote.js';
import { ingestedBy, notVoided } from './voids.js';

/** JS's \s (WhiteSpace and LineTerminator), which the decimal rule and Number() trim. */
const JS_SPACE =
  '[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';
const DECIMAL_RE = `^${JS_SPACE}*[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?${JS_SPACE}*$`;
const NUMERIC_TYPES = ['Int64', 'UInt64', 'Double'];

/**
 * `data` that ClickHouse's JSON parser reads whole: a lone surrogate escape becomes U+FFFD (as
 * scalarText stores it), and an integer literal of 20 or more digits (JSON.stringify writes doubles
 * up to 1e21 so) gets a `.0`, as the parser refuses integers beyond 64 bits and with them the whole
 * document. Such a run of digits after `:`, `,` or `[` inside a string would be changed too: the
 * one case where this read can differ from ingest (documented in docs/compat/opper.md).
 */
export function parsableData(col: string): string {
  const noSurrogates = `replaceAll(replaceRegexpAll(replaceAll(${col}, ${lit('\\\\')}, char(1)), ${lit('\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}')}, ${lit('\\\\ufffd')}), char(1), ${lit('\\\\')})`;
  return `replaceRegexpAll(${noSurrogates}, ${lit('([:,\\[])(-?[0-9]{20,})')}, ${lit('\\1\\2.0')})`;
}

const args = (keys: readonly string[]) => `d, ${litList(keys)}`;

/** JS's String(x) for a Float64: ClickHouse writes the same digits, but "1e21" for "1e+21". */
export function jsNumberText(x: string): string {
  return `replaceRegexpOne(toString(${x}), 'e([0-9])', 'e+\\\\1')`;
}

/** scalarText of the JSON value at `keys`. */
export function scalarTextExpr(keys: readonly string[]): string {
  const t = `JSONType(${args(keys)})`;
  return `multiIf(${t} = 'String', JSONExtractString(${args(keys)}), ${t} = 'Bool', JSONExtractRaw(${args(keys)}), ${t} IN (${litList(NUMERIC_TYPES)}), ${jsNumberText(`JSONExtractFloat(${args(keys)})`)}, NULL)`;
}

/** numericValue of the JSON value at `keys`, before the range check. */
export function rawNumberExpr(keys: readonly string[]): string {
  const t = `JSONType(${args(keys)})`;
  const str = `JSONExtractString(${args(keys)})`;
  const trimmed = `replaceRegexpAll(${str}, ${lit(`^${JS_SPACE}+|${JS_SPACE}+$`)}, '')`;
  return `multiIf(${t} IN (${litList(NUMERIC_TYPES)}), toNullable(JSONExtractFloat(${args(keys)})), ${t} = 'String' AND match(${str}, ${lit(DECIMAL_RE)}), toFloat64OrNull(${trimmed}), NULL)`;
}

/**
 * A relation with meter_rows' columns (account_id, meter_id, time, subject, value, value_text,
 * g0..) holding one row per event of the source's type in [from, to) of the account.
 */
export function eventRowsRelation(
  source: EventSource,
  q: { accountId: string; meterId: string; from: number; to: number },
): string {
  const where = [
    `account_id = ${lit(q.accountId)}`,
    `type = ${lit(source.eventType)}`,
    `time >= ${lit(Math.max(q.from, source.eventFrom ?? q.from))}`,
    `time < ${lit(q.to)}`,
    ...ingestedBy(source.asOf),
    notVoided(q.accountId, source.asOf),
  ];
  const inner = `SELECT account_id, time, subject, ${parsableData('data')} AS d FROM events WHERE ${where.join(' AND ')}`;
  const numeric =
    source.aggregation !== 'COUNT' && source.aggregation !== 'UNIQUE_COUNT' && source.value;
  let value =
    source.aggregation === 'COUNT' ? 'toNullable(toFloat64(1))' : 'CAST(NULL AS Nullable(Float64))';
  if (numeric) value = `if(isFinite(rv) AND abs(rv) <= ${lit(MAX_METER_VALUE)}, rv, NULL)`;
  const valueText =
    source.aggregation === 'UNIQUE_COUNT' && source.value
      ? scalarTextExpr(source.value)
      : 'CAST(NULL AS Nullable(String))';
  const cols = [
    'account_id',
    `${lit(q.meterId)} AS meter_id`,
    'time',
    'subject',
    `${value} AS value`,
    `${valueText} AS value_text`,
    ...source.dims.map((keys, slot) => `${scalarTextExpr(keys)} AS g${slot}`),
  ];
  const middle = numeric ? `SELECT *, ${rawNumberExpr(numeric)} AS rv FROM (${inner})` : inner;
  return `(SELECT ${cols.join(', ')} FROM (${middle}))`;
}
