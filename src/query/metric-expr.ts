// Derived metrics as data: arithmetic over the values several meters report for the same window
// and group (e.g. errors / views). API surfaces declare these expressions; only the engine
// evaluates them, so that a ratio means the same thing on every surface.

export type MetricExpr =
  | { meter: string }
  | { const: number }
  /** `div` by zero is 0: a ratio over nothing (no views, no playtime) reports 0, not NaN. */
  | { op: 'add' | 'sub' | 'div' | 'min' | 'max'; args: readonly [MetricExpr, MetricExpr] }
  /** Rounds half up to a whole number (for wires that carry integers). */
  | { op: 'round'; arg: MetricExpr };

/** Named expressions; a plain `{ meter }` entry reports that meter as it is. */
export type MetricSet = Record<string, MetricExpr>;

export const meter = (slug: string): MetricExpr => ({ meter: slug });
export const constant = (value: number): MetricExpr => ({ const: value });
export const add = (a: MetricExpr, b: MetricExpr): MetricExpr => ({ op: 'add', args: [a, b] });
export const sub = (a: MetricExpr, b: MetricExpr): MetricExpr => ({ op: 'sub', args: [a, b] });
export const div = (a: MetricExpr, b: MetricExpr): MetricExpr => ({ op: 'div', args: [a, b] });
export const min = (a: MetricExpr, b: MetricExpr): MetricExpr => ({ op: 'min', args: [a, b] });
export const max = (a: MetricExpr, b: MetricExpr): MetricExpr => ({ op: 'max', args: [a, b] });
export const round = (arg: MetricExpr): MetricExpr => ({ op: 'round', arg });

/** Every meter slug an expression reads. */
export function metersOf(expr: MetricExpr, into: Set<string> = new Set()): Set<string> {
  if ('meter' in expr) into.add(expr.meter);
  else if ('args' in expr) for (const a of expr.args) metersOf(a, into);
  else if ('arg' in expr) metersOf(expr.arg, into);
  return into;
}

function compute(expr: MetricExpr, values: ReadonlyMap<string, number>): number {
  if ('meter' in expr) return values.get(expr.meter) ?? 0;
  if ('const' in expr) return expr.const;
  if (expr.op === 'round') return Math.round(compute(expr.arg, values));
  const a = compute(expr.args[0], values);
  const b = compute(expr.args[1], values);
  switch (expr.op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'div':
      return b === 0 ? 0 : a / b;
    case 'min':
      return Math.min(a, b);
    case 'max':
      return Math.max(a, b);
  }
}

/**
 * The expression's value for one (window, group), given the meters that reported a value there.
 * Undefined when none of the meters it reads reported one (so "no first frame yet" stays absent
 * rather than becoming 0); otherwise a missing operand counts as 0 (no errors: 0 errors).
 */
export function evaluateMetric(
  expr: MetricExpr,
  values: ReadonlyMap<string, number>,
): number | undefined {
  const reads = metersOf(expr);
  if (reads.size > 0 && ![...reads].some((m) => values.has(m))) return undefined;
  return compute(expr, values);
}
