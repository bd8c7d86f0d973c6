// THE quoting function of the ClickHouse store. ClickHouse 18.16 has no query parameters, so every
// value that enters SQL text is inlined as a literal by `lit`, and nothing else builds literals.
// Identifiers never come from input: they are chosen from closed sets (switch statements, the
// table list in layout.ts, `dimColumn`).

export type ChValue = string | number | boolean | null;

/**
 * A ClickHouse literal for `value`.
 * - Strings: single-quoted; ClickHouse processes backslash escapes inside quoted strings, so the
 *   backslash itself and the quote are escaped, and NUL is written as `\0` so the SQL text never
 *   carries a raw NUL byte. Every other character (including newlines and any Unicode) is
 *   literal inside quotes. The result is one token whatever the input holds.
 * - Numbers: finite only; negatives are parenthesised so `a - -1` can never become a comment.
 */
export function lit(value: ChValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'boolean':
      return value ? '1' : '0';
    case 'number': {
      if (!Number.isFinite(value)) throw new Error(`cannot quote non-finite number ${value}`);
      const text = Number.isInteger(value) ? value.toFixed(0) : String(value);
      return value < 0 ? `(${text})` : text;
    }
    case 'string':
      // Backslash first, so the escapes added for the quote and NUL are not escaped again.
      return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\u0000', '\\0')}'`;
  }
}

/** Quoted values joined by commas, for IN (...) and array literals. */
export function litList(values: readonly ChValue[]): string {
  return values.map(lit).join(', ');
}

/** A database name from configuration: a plain identifier or nothing. */
export function checkIdentifier(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`${what} must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got ${name}`);
  }
  return name;
}
