/**
 * Boundary validation for JSON problems and specs. Every failure names the field (as a path such as
 * `init.q[1][0]`), the value it got and what is allowed, so a user can fix a 200-line spec from one message.
 */

import { describe, ValidationError } from './errors.ts';

export { describe, ValidationError };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectRecord(value: unknown, field: string, allowed = 'an object'): Record<string, unknown> {
  if (!isRecord(value)) throw new ValidationError(field, value, allowed);
  return value;
}

/** Rejects keys outside `known`: a misspelt optional field would otherwise be silently ignored. */
export function rejectUnknownKeys(obj: Record<string, unknown>, known: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      const where = field === '' ? key : `${field}.${key}`;
      throw new ValidationError(where, obj[key], `no such field; known fields here: ${known.join(', ')}`);
    }
  }
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** Strict lower bound (value > exclusiveMin). */
  readonly exclusiveMin?: number;
  readonly integer?: boolean;
}

export function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a finite number';
  const parts: string[] = [];
  if (rule.exclusiveMin !== undefined) parts.push(`> ${rule.exclusiveMin}`);
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

export function expectNumber(value: unknown, field: string, rule: NumberRule = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.exclusiveMin === undefined || value > rule.exclusiveMin);
  if (!ok) throw new ValidationError(field, value, ruleText(rule));
  return value as number;
}

export function expectArray(value: unknown, field: string, length?: number, what = 'an array'): unknown[] {
  if (!Array.isArray(value)) {
    throw new ValidationError(field, value, length === undefined ? what : `${what} of length ${length}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new ValidationError(`${field}.length`, value.length, `${length} (${what})`);
  }
  return value;
}

export function expectNumberArray(
  value: unknown,
  field: string,
  rule: NumberRule = {},
  length?: number,
  what = 'an array of numbers',
): number[] {
  return expectArray(value, field, length, what).map((v, i) => expectNumber(v, `${field}[${i}]`, rule));
}

export function expectOneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw new ValidationError(field, value, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`);
  }
  return value as T;
}
