// TabSeparated rows for the ingest inserts. Ingest writes three rows per event and more (event,
// meter rows, dedupe claim and commit); building a JSON object per row and having the client
// JSON.stringify it, and then ClickHouse parse JSONEachRow by column name, cost more CPU on both
// sides than the inserts' actual work. TabSeparated is written here directly as one string per
// insert and parsed positionally by ClickHouse. Only data values pass through here; SQL text still
// goes through `lit` in quote.ts.

/** Characters that TabSeparated escapes with a backslash (the field and row separators among them). */
const SPECIAL = /[\\\t\n\r\0\b\f]/;
const SPECIAL_ALL = /[\\\t\n\r\0\b\f]/g;
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

/** A String field: escaped so that a value never ends its field or row early. */
export function tsvString(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : s;
}

/** A Nullable(String) field. */
export function tsvNullableString(s: string | null | undefined): string {
  return s === null || s === undefined ? '\\N' : tsvString(s);
}

/** An integer field (Int64/UInt64/UInt8 columns); integers are exact below 2^53. */
export function tsvInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer for an integer column: ${n}`);
  return String(n);
}

/**
 * A Nullable(Float64) field. Non-finite numbers become NULL, as they did through JSON (where
 * JSON.stringify writes them as null).
 */
export function tsvNullableFloat(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '\\N' : String(n);
}
