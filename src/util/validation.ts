/**
 * Boundary validation for JSON problems and specs. Every failure names the field (as a path such as
 * `init.q[1][0]`), the value it got and what is allowed, so a user can fix a 200-line spec from one message.
 *
 * What the boundary accepts is JSON's data model, whether the value came from a file or from an API caller:
 * - objects: plain ones only (prototype Object.prototype or null). Only own enumerable string keys count, so
 *   a field can never come from a prototype (`Object.create({ q: … })`); `__proto__`, `constructor` and
 *   `toString` are ordinary (unknown) keys. Class instances (Date, Map, …) are refused.
 * - arrays: plain arrays only; typed arrays are refused (`Array.from(x)` converts one). A hole is missing,
 *   named by its index, as is an explicit `undefined`.
 * - numbers: finite doubles (no strings such as "1", no booleans); -0 reads as 0. Integer fields are safe
 *   integers (|n| ≤ 2^53 − 1), where every integer is exact.
 * - a getter is read once (into the snapshot); Proxies whose traps throw, and getters that throw, are refused
 *   as unreadable.
 * `expectRecord` and `expectArray` return snapshots, so what was checked is what the caller goes on to use.
 */

import { describe, ValidationError } from './errors.ts';

export { describe, ValidationError };

/** A plain object (JSON's object): not null, not an array, prototype Object.prototype or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  try {
    if (Array.isArray(value)) return false;
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    return false;
  }
}

/** `field.key`, or `field["odd key"]` for keys that are not identifiers (and a non-empty path for key ""). */
export function keyPath(field: string, key: string): string {
  if (/^[A-Za-z_$][\w$]{0,63}$/.test(key)) return field === '' ? key : `${field}.${key}`;
  const shown = key.length > 40 ? `${key.slice(0, 37)}...` : key;
  return `${field}[${JSON.stringify(shown)}]`;
}

function unreadable(field: string, value: unknown, err: unknown): never {
  if (err instanceof ValidationError) throw err;
  throw new ValidationError(field, value, 'a plain JSON value (reading this one threw)');
}

/** A null-prototype snapshot of a plain object's own enumerable data properties. */
export function expectRecord(value: unknown, field: string, allowed = 'an object'): Record<string, unknown> {
  if (!isRecord(value)) throw new ValidationError(field, value, describeKind(value, allowed));
  // Each own enumerable property is read once, into an object with no prototype: a getter runs once and what
  // was checked is what the caller uses, and a key such as `__proto__` is an ordinary property here. A plain
  // read rather than property descriptors: the snapshot sits on every solve's path (bench/reduced).
  const out = Object.create(null) as Record<string, unknown>;
  try {
    for (const key of Object.keys(value)) out[key] = value[key];
  } catch (err) {
    unreadable(field, value, err);
  }
  return out;
}

/** The allowed text, with a hint when the value is a near miss (a class instance or typed array). */
function describeKind(value: unknown, allowed: string): string {
  if (ArrayBuffer.isView(value)) return `${allowed} (a plain array: typed arrays are not accepted, use Array.from)`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return `${allowed} (a plain object)`;
  return allowed;
}

/** Rejects keys outside `known`: a misspelt optional field would otherwise be silently ignored. */
export function rejectUnknownKeys(obj: Record<string, unknown>, known: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new ValidationError(keyPath(field, key), obj[key], `no such field; known fields here: ${known.join(', ')}`);
    }
  }
}

/** An own data property of a record (expectRecord's snapshots have no prototype; this also guards others). */
export function field(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** Strict lower bound (value > exclusiveMin). */
  readonly exclusiveMin?: number;
  /** Strict upper bound (value < exclusiveMax). */
  readonly exclusiveMax?: number;
  /** A safe integer (|n| ≤ 2^53 − 1) within the other bounds. */
  readonly integer?: boolean;
}

export function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a finite number';
  const parts: string[] = [];
  if (rule.exclusiveMin !== undefined) parts.push(`> ${rule.exclusiveMin}`);
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.exclusiveMax !== undefined) parts.push(`< ${rule.exclusiveMax}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

export function numberOk(v: unknown, rule: NumberRule): v is number {
  return (
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!rule.integer || Number.isSafeInteger(v)) &&
    (rule.min === undefined || v >= rule.min) &&
    (rule.max === undefined || v <= rule.max) &&
    (rule.exclusiveMin === undefined || v > rule.exclusiveMin) &&
    (rule.exclusiveMax === undefined || v < rule.exclusiveMax)
  );
}

export function expectNumber(value: unknown, field: string, rule: NumberRule = {}): number {
  if (!numberOk(value, rule)) throw new ValidationError(field, value, ruleText(rule));
  // -0 reads as 0: a sign that JSON can carry but no field means, and 1/x or log of it would surprise.
  return value + 0;
}

/** A snapshot of a plain array whose every index holds a value (holes and undefined are "missing"). */
export function expectArray(value: unknown, field: string, length?: number, what = 'an array'): unknown[] {
  let isArray = false;
  try {
    isArray = Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
  } catch {
    isArray = false;
  }
  if (!isArray) {
    const allowed = length === undefined ? what : `${what} of length ${length}`;
    throw new ValidationError(field, value, describeKind(value, allowed));
  }
  const arr = value as unknown[];
  let n = 0;
  try {
    n = arr.length;
  } catch (err) {
    unreadable(field, value, err);
  }
  if (length !== undefined && n !== length) {
    throw new ValidationError(`${field}.length`, n, `${length} (${what})`);
  }
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    let v: unknown;
    try {
      v = arr[i];
    } catch (err) {
      unreadable(`${field}[${i}]`, undefined, err);
    }
    if (v === undefined) throw new ValidationError(`${field}[${i}]`, undefined, 'a value (this element is missing: a hole or undefined)');
    out[i] = v;
  }
  return out;
}

/**
 * A checked copy of an array of numbers. A plain loop checks every element, and only if one fails is the
 * element's path formatted (for 41 output times, formatting `field[i]` for each cost more than the rest).
 */
export function expectNumberArray(
  value: unknown,
  field: string,
  rule: NumberRule = {},
  length?: number,
  what = 'an array of numbers',
): number[] {
  const arr = expectArray(value, field, length, what);
  const out = new Array<number>(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (!numberOk(v, rule)) throw new ValidationError(`${field}[${i}]`, v, ruleText(rule));
    out[i] = v + 0;
  }
  return out;
}

export function expectOneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw new ValidationError(field, value, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`);
  }
  return value as T;
}
