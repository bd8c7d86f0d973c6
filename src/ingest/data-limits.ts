// Limits on an event's `data` that keep every later step safe. JSON.parse accepts any nesting, but
// JSON.stringify, the store and every reader recurse, and a deep enough value throws a RangeError
// (about 10,000 levels) or costs a stack each time it is read. No usage event needs more than a
// handful of levels, so the bound is set far below any stack limit.

/** Levels of objects and arrays in `data`, `data` itself being level 1. */
export const MAX_DATA_DEPTH = 64;

/**
 * Why `data` cannot be stored as sent, or undefined when it can. Walks iteratively (a recursive
 * walk would itself overflow on the values it is meant to refuse). A number outside the double
 * range (JSON `1e400`) parses to Infinity, which JSON.stringify would silently store as null.
 */
export function dataProblem(data: unknown): string | undefined {
  const stack: Node[] = [{ value: data, depth: 1, key: 'data' }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { value, depth } = top;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) continue;
      return `${pathOf(top)}: a number outside the double range (send it as a string, e.g. "1e400")`;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_DATA_DEPTH) {
      return `data: nested more than ${MAX_DATA_DEPTH} levels deep (at ${pathOf(top)})`;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], depth: depth + 1, key: i, parent: top });
      }
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        stack.push({ value: record[key], depth: depth + 1, key, parent: top });
      }
    }
  }
  return undefined;
}

/**
 * True when dataProblem(data) is undefined, found without dataProblem's bookkeeping (a node per
 * value, kept for the message): on false, dataProblem gives the message. For values with no
 * getters, such as JSON.parse's: a getter would be read twice, and in another order. Recursion is
 * safe here because it stops at MAX_DATA_DEPTH.
 */
export function withinDataLimits(data: unknown): boolean {
  return fits(data, 0);
}

/** Whether a value inside a container at `depth` can be stored. */
function fits(value: unknown, depth: number): boolean {
  if (typeof value === 'object' && value !== null) return within(value, depth + 1);
  return typeof value !== 'number' || Number.isFinite(value);
}

function within(value: object, depth: number): boolean {
  if (depth > MAX_DATA_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!fits(value[i], depth)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  // for-in over a JSON object yields its own keys; an inherited one only matters if it fails.
  for (const key in record) {
    if (!fits(record[key], depth) && Object.hasOwn(record, key)) return false;
  }
  return true;
}

// Paths are built only for the message, from parent links: building one per node would cost the
// sum of every key's ancestors, which a body of long keys could make large.
interface Node {
  value: unknown;
  depth: number;
  key: string | number;
  parent?: Node;
}

function pathOf(node: Node): string {
  const keys: string[] = [];
  for (let n: Node | undefined = node; n; n = n.parent) {
    if (typeof n.key === 'number') keys.push(`[${n.key}]`);
    else {
      const key = n.key.length > 32 ? `${n.key.slice(0, 32)}\u2026` : n.key;
      keys.push(n.parent ? `.${key}` : key);
    }
  }
  const path = keys.reverse().join('');
  return path.length > 200 ? `${path.slice(0, 200)}\u2026` : path;
}
