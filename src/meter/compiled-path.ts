// A meter's JSONPath as a function of its own, made once per meter. lib/json-path.ts compiles a
// path into a loop over its keys; that loop is one piece of code shared by every path of every
// meter, so each read goes through a property lookup that has seen every key name. Generated per
// path, each read is a plain property access that V8 specialises to the shape of the events.
// Only JSON-quoted keys enter the generated source, so no key can be read as code.
import { type Accessor, compileJsonPath, parseJsonPath } from '../lib/json-path.js';

/** The same answers as lib/json-path.ts compileJsonPath, for every path and every value. */
export function compilePathAccessor(path: string): Accessor {
  const keys = parseJsonPath(path);
  if (typeof keys === 'string') throw new Error(`invalid JSONPath ${path}: ${keys}`);
  const steps = keys.map(
    (k) =>
      `if (cur === null || typeof cur !== 'object') return undefined;\ncur = cur[${JSON.stringify(String(k))}];`,
  );
  try {
    return new Function('data', `let cur = data;\n${steps.join('\n')}\nreturn cur;`) as Accessor;
  } catch (e) {
    // Code generation refused (node --disallow-code-generation-from-strings).
    if (e instanceof EvalError) return compileJsonPath(path);
    throw e;
  }
}
