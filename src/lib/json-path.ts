// Meter value and dimension paths are a small JSONPath subset ("$.a.b", "$.a[0]", "$['a b']"),
// compiled once per meter into an accessor so that ingest never re-parses a path per event.

export type Accessor = (data: unknown) => unknown;

const SEGMENT =
  /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

/** Parses a path into keys; returns an error message when the path is outside the subset. */
export function parseJsonPath(path: string): (string | number)[] | string {
  if (!path.startsWith('$')) return 'must start with "$"';
  const keys: (string | number)[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m) return `unsupported JSONPath syntax at "${rest}" (use $.a.b, $.a[0] or $['a b'])`;
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else keys.push((m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  if (keys.length === 0) return 'must name a property of data';
  return keys;
}

export function compileJsonPath(path: string): Accessor {
  const keys = parseJsonPath(path);
  if (typeof keys === 'string') throw new Error(`invalid JSONPath ${path}: ${keys}`);
  return (data) => {
    let cur: unknown = data;
    for (const k of keys) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string | number, unknown>)[k];
    }
    return cur;
  };
}
