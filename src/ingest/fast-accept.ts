// A hot-path acceptor compiled from a zod schema, so that the schema stays the one source of truth
// of the wire shape while ingest stops paying zod's per-field machinery (a payload and an issue
// list per field, a copy of every record) for the events that are fine, which is nearly all of
// them. It only ever says "zod would accept this, and here is zod's output"; anything else, and
// every message, is left to zod itself. Each check is zod's own check function, called the way
// zod's runChecks calls it, so a refinement or a length rule is never re-implemented here. A
// construct outside the small set below makes the compiler give up, and callers use zod alone.
//
// The acceptor is generated as one function (as zod's own object parser is): a closure per field
// would share one call site between every field, and property reads by a computed key would go
// megamorphic; measured, that ran at half of zod's cost instead of a tenth. Only identifiers made
// here and JSON-quoted schema keys (from code, never from a request) enter the generated source.
import type { z } from 'zod';
import { util } from 'zod/v4/core';

/**
 * zod's output for a value zod accepts, or undefined when zod must judge (it may still accept).
 * `fromJson` promises that the value came straight out of JSON.parse: every object in it is a
 * plain one made by {} with no symbol key and no getter, so those checks are skipped. One
 * deviation from zod's output: a record is the object as sent, not zod's copy (which drops an own
 * "__proto__" key), as ingest stores data as sent.
 */
export type Acceptor<T> = (value: unknown, fromJson: boolean) => T | undefined;

/** An acceptor for the schema, or undefined when it uses a construct not mirrored here. */
export function compileAcceptor<S extends z.ZodType>(schema: S): Acceptor<z.output<S>> | undefined {
  const gen = new Generator();
  try {
    gen.emit(schema, 'v');
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  const names = gen.constants.map((_, i) => `k${i}`);
  const source = `return function accept(v, fromJson) {\n${gen.lines.join('\n')}\nreturn v;\n};`;
  try {
    const factory = new Function(...names, source) as (...k: unknown[]) => Acceptor<z.output<S>>;
    return factory(...gen.constants);
  } catch (e) {
    // Code generation refused (node --disallow-code-generation-from-strings): zod alone.
    if (e instanceof EvalError) return undefined;
    throw e;
  }
}

interface Internals {
  def: Record<string, unknown> & { type: string; checks?: Check[] };
  traits: Set<string>;
  optin?: 'optional' | 'defaulted';
  optout?: 'optional';
}
interface Check {
  _zod: { def: { when?: unknown } };
}

/** A construct this compiler does not mirror. */
class Unsupported extends Error {}

const zodOf = (schema: unknown): Internals => (schema as { _zod: Internals })._zod;

/** zod's test for a record: an object made by {} or Object.create(null), not an array. */
function isRecord(v: unknown): boolean {
  return util.isPlainObject(v);
}

/** zod runs a record's key schema on every enumerable own key, and a symbol is not a string. */
function hasEnumerableSymbol(v: object): boolean {
  for (const s of Object.getOwnPropertySymbols(v)) {
    if (Object.prototype.propertyIsEnumerable.call(v, s)) return true;
  }
  return false;
}

/**
 * Emits statements that leave in the variable the output zod makes of the value it holds, or
 * `return undefined` where zod would report an issue.
 */
class Generator {
  readonly lines: string[] = [];
  readonly constants: unknown[] = [];
  private vars = 0;

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k${this.constants.length - 1}`;
  }

  private fresh(): string {
    return `v${this.vars++}`;
  }

  emit(schema: unknown, v: string): void {
    const zod = zodOf(schema);
    this.emitType(zod, v);
    // As zod's $ZodType: a schema that is itself a check (a string format) runs first.
    const checks = [
      ...(zod.traits.has('$ZodCheck') ? [schema as Check] : []),
      ...(zod.def.checks ?? []),
    ];
    if (checks.length > 0) this.emitChecks(checks, v);
  }

  /** zod's runChecks for a value with no issue yet: each check, unless its `when` says skip. */
  private emitChecks(checks: Check[], v: string): void {
    // One payload per checked node, reused; a fresh issue list only after a failure.
    const p = this.constant({ value: undefined, issues: [] });
    this.lines.push(`${p}.value = ${v};`, `if (${p}.issues.length > 0) ${p}.issues = [];`);
    for (const check of checks) {
      const c = this.constant(check);
      // A promise is an async refinement: zod throws for it in a sync parse; let zod say so.
      const run = `${c}._zod.check(${p}) instanceof Promise || ${p}.issues.length > 0`;
      this.lines.push(
        check._zod.def.when
          ? `if (${c}._zod.def.when(${p}) && (${run})) return undefined;`
          : `if (${run}) return undefined;`,
      );
    }
    this.lines.push(`${v} = ${p}.value;`, `${p}.value = undefined;`);
  }

  private emitType(zod: Internals, v: string): void {
    const def = zod.def;
    switch (def.type) {
      case 'string':
        if (def.coerce) throw new Unsupported('coerce');
        this.lines.push(`if (typeof ${v} !== 'string') return undefined;`);
        return;
      case 'literal':
        this.lines.push(
          `if (!${this.constant(new Set(def.values as unknown[]))}.has(${v})) return undefined;`,
        );
        return;
      case 'unknown':
      case 'any':
        return;
      case 'optional':
        if (zodOf(def.innerType).optin === 'defaulted') throw new Unsupported('optional default');
        this.block(`if (${v} !== undefined) {`, () => this.emit(def.innerType, v));
        return;
      case 'nullable':
        this.block(`if (${v} !== null) {`, () => this.emit(def.innerType, v));
        return;
      case 'default': {
        // zod clones an object default on every read; only a primitive can be read once.
        const value = def.defaultValue;
        if (value !== null && typeof value === 'object') throw new Unsupported('object default');
        const k = this.constant(value);
        this.block(`if (${v} === undefined) ${v} = ${k}; else {`, () => {
          this.emit(def.innerType, v);
          this.lines.push(`if (${v} === undefined) ${v} = ${k};`);
        });
        return;
      }
      case 'record':
        this.emitRecord(def, v);
        return;
      case 'object':
        this.emitObject(def, v);
        return;
      default:
        throw new Unsupported(def.type);
    }
  }

  private block(open: string, body: () => void): void {
    this.lines.push(open);
    body();
    this.lines.push('}');
  }

  private emitRecord(def: Internals['def'], v: string): void {
    const key = zodOf(def.keyType);
    const value = zodOf(def.valueType);
    const plainKey =
      key.def.type === 'string' &&
      !key.def.coerce &&
      !key.def.checks?.length &&
      !key.traits.has('$ZodCheck');
    const anyValue =
      (value.def.type === 'unknown' || value.def.type === 'any') && !value.def.checks?.length;
    if (!plainKey || !anyValue) throw new Unsupported('record');
    this.lines.push(
      // JSON.parse makes every object with {}: a JSON object is a plain one.
      `if (fromJson ? typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v}) : !${this.constant(isRecord)}(${v})) return undefined;`,
      `if (!fromJson && ${this.constant(hasEnumerableSymbol)}(${v})) return undefined;`,
    );
  }

  /** A strip-mode object, as zod's JIT object parser builds it ($ZodObjectJIT). */
  private emitObject(def: Internals['def'], v: string): void {
    if (def.catchall !== undefined) throw new Unsupported('catchall');
    const shape = def.shape as Record<string, unknown>;
    if (Object.getOwnPropertySymbols(shape).length > 0) throw new Unsupported('symbol keys');
    this.lines.push(
      `if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) return undefined;`,
    );
    const out: { key: string; value: string; when?: string }[] = [];
    for (const key of Object.keys(shape)) {
      if (key === '__proto__') throw new Unsupported('__proto__ key');
      const k = JSON.stringify(key);
      const field = this.fresh();
      this.lines.push(`let ${field} = ${v}[${k}];`);
      this.emit(shape[key], field);
      const { optin, optout } = zodOf(shape[key]);
      // zod asks `key in input`; in a JSON object a key that reads as defined is in it, so only
      // an undefined read needs asking (a proxy given in-process could answer otherwise).
      const present = `(fromJson && ${field} !== undefined || ${k} in ${v})`;
      if (optin === undefined) {
        this.lines.push(`if (!${present}) return undefined;`);
        out.push({ key: k, value: field });
      } else if (optout === 'optional' && optin === 'optional') {
        out.push({ key: k, value: field, when: present });
      } else if (optout !== 'optional' && optin === 'defaulted') {
        out.push({ key: k, value: field });
      } else {
        out.push({ key: k, value: field, when: `${field} !== undefined || ${present}` });
      }
    }
    // The keys in shape order, as zod writes them; the unconditional head in one literal.
    const head = out.findIndex((f) => f.when !== undefined);
    const literal = out.slice(0, head === -1 ? out.length : head);
    const o = this.fresh();
    this.lines.push(`const ${o} = { ${literal.map((f) => `${f.key}: ${f.value}`).join(', ')} };`);
    for (const f of out.slice(literal.length)) {
      this.lines.push(`${f.when ? `if (${f.when}) ` : ''}${o}[${f.key}] = ${f.value};`);
    }
    this.lines.push(`${v} = ${o};`);
  }
}
