// The raw events read as meter rows, for an ad-hoc meter (EventSource in ports.ts): the value and
// dimensions are extracted from `data` at query time with the rules of ingest (meter/extract.ts,
// meter/value-rules.ts), so that the numbers equal those of a stored meter with the same shape.
// `data` is JSON.stringify's text (ingest-service.ts): numbers are JS doubles written the JS way,
// and a `\u` escape of a surrogate is always a lone one (pairs are written as the character).
// Every value goes through `lit`; path keys are validated property names (query/inline-meter.ts).
import { MAX_METER_VALUE } from '../../meter/value-rules.js';
import type { EventSource } from '../../query/planned-query.js';
import { ingestedBy, notVoided } from './compile-voids.js';
import { lit, litList } from './sql-quote.js';

/** JS's \s (WhiteSpace and LineTerminator), which the decimal rule and Number() trim. */
export const JS_SPACE =
  '[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';

/** value-rules.ts DECIMAL, for RE2. */
export const DECIMAL_RE = `${JS_SPACE}*[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?${JS_SPACE}*`;

const NUMERIC_TYPES = ['BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE'];

/**
 * `data` that DuckDB can parse: a lone surrogate escape would fail the whole query, so it becomes
 * U+FFFD, the character scalarText stores for it. Escaped backslashes are set aside first so that
 * `\\u...` (a backslash, then text) is left alone.
 */
export function parsableData(col: string): string {
  const fixed = `replace(regexp_replace(replace(${col}, ${lit('\\\\')}, chr(1)), ${lit('\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}')}, ${lit('\\\\ufffd')}, ${lit('g')}), chr(1), ${lit('\\\\')})`;
  return `CASE WHEN contains(${col}, ${lit('\\u')}) THEN ${fixed} ELSE ${col} END`;
}

/**
 * JS's String(d) for a double. DuckDB writes the same shortest digits, but integers as "3.0" and
 * exponents at other magnitudes than JS (JS: fixed from 1e-6 up to 1e21, then "1e+21"), so an
 * exponent form is taken apart into digits D and exponent E and laid out as JS does. Pinned
 * against String() by compile-event-source.test.ts.
 */
export function jsNumberText(d: string): string {
  const s = `CAST(${d} AS VARCHAR)`;
  const digits = `replace(regexp_extract(${s}, '^-?([0-9.]+)e', 1), '.', '')`;
  const exp = `CAST(regexp_extract(${s}, 'e([+-]?[0-9]+)$', 1) AS INTEGER)`;
  const sign = `CASE WHEN ${d} < 0 THEN '-' ELSE '' END`;
  const sci = `CASE WHEN ${exp} >= 21 OR ${exp} <= -7 THEN ${sign} || left(${digits}, 1) || CASE WHEN length(${digits}) > 1 THEN '.' || substr(${digits}, 2) ELSE '' END || 'e' || CASE WHEN ${exp} > 0 THEN '+' ELSE '-' END || CAST(abs(${exp}) AS VARCHAR) WHEN ${exp} < 0 THEN ${sign} || '0.' || repeat('0', -${exp} - 1) || ${digits} WHEN length(${digits}) <= ${exp} + 1 THEN ${sign} || rpad(${digits}, ${exp} + 1, '0') ELSE ${sign} || left(${digits}, ${exp} + 1) || '.' || substr(${digits}, ${exp} + 2) END`;
  return `CASE WHEN ${d} = trunc(${d}) AND abs(${d}) <= ${lit(2 ** 53)} THEN CAST(CAST(${d} AS BIGINT) AS VARCHAR) WHEN contains(${s}, 'e') THEN ${sci} ELSE regexp_replace(${s}, '\\.0$', '') END`;
}

/** scalarText of a JSON value `x`: strings, numbers and booleans as text, anything else NULL. */
export function scalarTextExpr(x: string): string {
  return `CASE json_type(${x}) WHEN 'VARCHAR' THEN json_extract_string(${x}, '$') WHEN 'BOOLEAN' THEN CAST(${x} AS VARCHAR) WHEN 'BIGINT' THEN ${jsNumberText(`CAST(${x} AS DOUBLE)`)} WHEN 'UBIGINT' THEN ${jsNumberText(`CAST(${x} AS DOUBLE)`)} WHEN 'HUGEINT' THEN ${jsNumberText(`CAST(${x} AS DOUBLE)`)} WHEN 'DOUBLE' THEN ${jsNumberText(`CAST(${x} AS DOUBLE)`)} END`;
}

/** numericValue of a JSON value `x` before the range check: a number, or a decimal string. */
export function rawNumberExpr(x: string): string {
  const str = `json_extract_string(${x}, '$')`;
  const trimmed = `regexp_replace(${str}, ${lit(`^${JS_SPACE}+|${JS_SPACE}+$`)}, '', 'g')`;
  return `CASE WHEN json_type(${x}) IN (${litList(NUMERIC_TYPES)}) THEN CAST(${x} AS DOUBLE) WHEN json_type(${x}) = 'VARCHAR' AND regexp_full_match(${str}, ${lit(DECIMAL_RE)}) THEN TRY_CAST(${trimmed} AS DOUBLE) END`;
}

const pointer = (keys: readonly string[]) => `/${keys.join('/')}`;

/**
 * A relation with meter_rows' columns (meter_id, account_id, time, subject, value, value_text,
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
    notVoided(source.asOf),
  ];
  const paths: string[][] = [];
  const valueAt = source.aggregation === 'COUNT' || !source.value ? -1 : paths.push(source.value);
  const dimAt = source.dims.map((d) => paths.push(d));
  // One parse per event: every path at once into a list of JSON values.
  const j =
    paths.length === 0
      ? ''
      : `, json_extract(${parsableData('data')}, [${litList(paths.map(pointer))}]) AS j`;
  const inner = `SELECT account_id, time, subject${j} FROM events WHERE ${where.join(' AND ')}`;
  const at = (i: number) => `j[${lit(i)}]`;
  const numeric =
    source.aggregation !== 'COUNT' && source.aggregation !== 'UNIQUE_COUNT' && valueAt >= 0;
  let value = source.aggregation === 'COUNT' ? 'CAST(1 AS DOUBLE)' : 'CAST(NULL AS DOUBLE)';
  if (numeric) value = `CASE WHEN isfinite(rv) AND abs(rv) <= ${lit(MAX_METER_VALUE)} THEN rv END`;
  const valueText =
    source.aggregation === 'UNIQUE_COUNT' && valueAt >= 0
      ? scalarTextExpr(at(valueAt))
      : 'CAST(NULL AS VARCHAR)';
  const dims = dimAt.map((i, slot) => `${scalarTextExpr(at(i))} AS g${slot}`);
  const middle = `SELECT *${numeric ? `, ${rawNumberExpr(at(valueAt))} AS rv` : ''} FROM (${inner})`;
  const cols = [
    `${lit(q.meterId)} AS meter_id`,
    'account_id',
    'time',
    'subject',
    `${value} AS value`,
    `${valueText} AS value_text`,
    ...dims,
  ];
  return `(SELECT ${cols.join(', ')} FROM (${middle}))`;
}
