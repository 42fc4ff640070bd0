/**
 * The package's one error family. Every entry point (integrators, solvers, end states, the simulator, sweeps,
 * the CLI) throws one of these for a problem the caller can act on; anything else that escapes is a bug.
 *
 * - `ValidationError`: bad input. It names the field (a path such as `init.q[1][0]` or `options.rtol`), the
 *   value it got and what is allowed. A RangeError, so `catch (e) { if (e instanceof RangeError) … }` written
 *   against the standard library keeps working. The CLI exits 2.
 * - `ComputationError`: valid input whose computation cannot be finished (a clock beyond double range, a
 *   solve that failed where no partial result can be returned). The CLI exits 1.
 *
 * `isDlnError` tells either apart from a bug (the CLI's exit 70).
 */

export class ValidationError extends RangeError {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
  constructor(field: string, value: unknown, allowed: string) {
    // Bounded: a field path or allowed text built from user keys must not make a megabyte message.
    super(`${clip(field, FIELD_LIMIT)}: got ${describe(value)}; allowed: ${clip(allowed, ALLOWED_LIMIT)}`);
    this.name = 'ValidationError';
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

export class ComputationError extends Error {
  /** Where the computation stopped, when that is a time or a parameter worth reporting. */
  readonly where?: string;
  constructor(message: string, where?: string) {
    super(where === undefined ? message : `${where}: ${message}`);
    this.name = 'ComputationError';
    if (where !== undefined) this.where = where;
  }
}

export function isDlnError(err: unknown): err is ValidationError | ComputationError {
  return err instanceof ValidationError || err instanceof ComputationError;
}

/** Longest text `describe` returns, and the longest field path and allowed text a message repeats. */
const DESCRIBE_LIMIT = 80;
const FIELD_LIMIT = 160;
const ALLOWED_LIMIT = 240;

function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 3)}...` : text;
}

/**
 * A value as a message shows it: short, and telling NaN, missing and strings apart. Bounded in depth, breadth
 * and length, and it never throws: it formats inputs nobody validated yet — arrays nested thousands deep,
 * cycles, BigInt, symbols, getters that throw, Proxies whose traps throw — so it walks the value itself with
 * a budget instead of calling JSON.stringify (recursion) or String (user toString), and reads every property
 * inside a try.
 */
export function describe(value: unknown): string {
  try {
    if (value === undefined) return 'nothing (missing)';
    const out: string[] = [];
    let budget = DESCRIBE_LIMIT + 1;
    const put = (text: string): boolean => {
      out.push(text);
      budget -= text.length;
      return budget > 0;
    };
    write(value, 0, put);
    return clip(out.join(''), DESCRIBE_LIMIT);
  } catch {
    return 'an unreadable value';
  }
}

/** Nesting shown before `[…]` / `{…}` stands for the rest. */
const DESCRIBE_DEPTH = 3;
/** Elements or keys shown per level before `…`. */
const DESCRIBE_BREADTH = 6;

function write(value: unknown, depth: number, put: (text: string) => boolean): boolean {
  switch (typeof value) {
    case 'undefined':
      return put('undefined');
    case 'number':
      return put(Number.isNaN(value) ? 'NaN' : Object.is(value, -0) ? '-0' : String(value));
    case 'string':
      return put(JSON.stringify(value.length > DESCRIBE_LIMIT ? value.slice(0, DESCRIBE_LIMIT) : value));
    case 'bigint':
      return put(`${clip(value.toString(), 30)}n (a BigInt)`);
    case 'boolean':
      return put(value ? 'true' : 'false');
    case 'symbol':
      return put('a symbol');
    case 'function':
      return put('a function');
  }
  if (value === null) return put('null');
  return writeObject(value as object, depth, put);
}

function writeObject(value: object, depth: number, put: (text: string) => boolean): boolean {
  let isArray = false;
  let proto: unknown = null;
  try {
    isArray = Array.isArray(value);
    proto = Object.getPrototypeOf(value);
  } catch {
    return put('an unreadable object');
  }
  if (!isArray && proto !== Object.prototype && proto !== null) return put(`a ${kindOf(value)}`);
  if (isArray && proto !== Array.prototype) return put('an array-like object');
  if (depth >= DESCRIBE_DEPTH) return put(isArray ? '[…]' : '{…}');
  if (isArray) {
    const arr = value as unknown[];
    let length = 0;
    try {
      length = arr.length;
    } catch {
      return put('an unreadable array');
    }
    if (!put('[')) return false;
    for (let i = 0; i < length; i++) {
      if (i > 0 && !put(',')) return false;
      if (i >= DESCRIBE_BREADTH) return put(`… ${length} elements]`);
      let ok: boolean;
      try {
        ok = Object.prototype.hasOwnProperty.call(arr, i) ? write(arr[i], depth + 1, put) : put('<hole>');
      } catch {
        ok = put('<unreadable>');
      }
      if (!ok) return false;
    }
    return put(']');
  }
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    return put('an unreadable object');
  }
  if (!put('{')) return false;
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !put(',')) return false;
    if (i >= DESCRIBE_BREADTH) return put(`… ${keys.length} keys}`);
    if (!put(`${JSON.stringify(clip(keys[i]!, 30))}:`)) return false;
    let ok: boolean;
    try {
      ok = write((value as Record<string, unknown>)[keys[i]!], depth + 1, put);
    } catch {
      ok = put('<unreadable>');
    }
    if (!ok) return false;
  }
  return put('}');
}

/** "Date", "Map", "Float64Array", a class's name: what a non-plain object is, read defensively. */
function kindOf(value: object): string {
  try {
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const kind = typeof name === 'string' && name !== '' && name !== 'Object' ? name : tag;
    return `${clip(kind, 30)} object`;
  } catch {
    return 'non-plain object';
  }
}
