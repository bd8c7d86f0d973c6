import { parseJsonPath } from '../lib/json-path.js';

/** What the CSV reader needs of a meter: the event type it reads and its value path. */
export interface MeterValueSource {
  eventType: string;
  valueProperty?: string;
}

/** Which `data.<name>` columns of an event of a type become numbers. */
export type NumericColumns = (eventType: string | undefined) => ReadonlySet<string>;

/**
 * CSV cells are text; turning every numeric-looking cell into a number turns the id "007" into 7.
 * So a `data.<name>` column becomes a number only where a meter reads it as its value (a meter of
 * the row's event type whose valueProperty is `$.<name>` or `$['<name>']`) or where the user named
 * it (`--numbers name`, also accepted as `data.name`, for every event type).
 */
export function numericColumns(meters: readonly MeterValueSource[], named: readonly string[]) {
  const always = new Set(named.map((n) => n.replace(/^data\./, '')));
  const byType = new Map<string, Set<string>>();
  for (const m of meters) {
    if (m.valueProperty === undefined) continue;
    const keys = parseJsonPath(m.valueProperty);
    // A CSV column is one flat key of data: only a one-key path can read it.
    if (typeof keys === 'string' || keys.length !== 1 || typeof keys[0] !== 'string') continue;
    const set = byType.get(m.eventType) ?? new Set(always);
    set.add(keys[0]);
    byType.set(m.eventType, set);
  }
  const rule: NumericColumns = (type) =>
    type === undefined ? always : (byType.get(type) ?? always);
  return rule;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as a JSON number when it is written as a decimal number, else undefined. */
export function decimalNumber(cell: string): number | undefined {
  if (!NUMBER.test(cell)) return undefined;
  const n = Number(cell);
  return Number.isFinite(n) ? n : undefined;
}
