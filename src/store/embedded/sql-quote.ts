// THE quoting function of the embedded store: every value that enters DuckDB SQL text goes
// through `lit`. Identifiers never come from input: they are chosen from closed sets in code.

export type SqlValue = string | number | bigint | boolean | null;

export function lit(value: SqlValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot quote non-finite number ${value}`);
      return Number.isInteger(value) ? value.toFixed(0) : String(value);
    case 'string':
      // DuckDB strings are not escape-processed: doubling the quote is the whole rule. NUL cannot
      // be stored in a VARCHAR, so it is written with chr(0) outside the literal.
      return value
        .split('\u0000')
        .map((part) => `'${part.replaceAll("'", "''")}'`)
        .join(' || chr(0) || ');
  }
}

/** A list of quoted values, e.g. for IN (...). */
export function litList(values: readonly SqlValue[]): string {
  return values.map(lit).join(', ');
}
