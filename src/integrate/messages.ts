/**
 * The integrators' messages: how numbers and values are shown, the ValidationError of bad input, and the
 * failure messages a run records (step budget, step-size underflow, non-finite steps).
 */
import { ValidationError } from '../util/errors.ts';

/** Formats a number for messages: full precision but short when possible. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return String(x);
}

/** A value as a message about an input shows it. */
export function show(v: unknown): string {
  if (typeof v === 'number') return fmt(v);
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return Array.isArray(v) ? `an array of length ${v.length}` : 'an object';
  return `${typeof v} ${String(v)}`;
}

/**
 * The ValidationError for bad input `field` = `value` where `allowed` is what is accepted. Its message is
 * `message` when given, else `${where} ${field} must be ${allowed} (got ${value})` (where: e.g. `dopri5:`).
 */
export function invalid(where: string, field: string, value: unknown, allowed: string, message?: string): ValidationError {
  const err = new ValidationError(field, value, allowed);
  err.message = message ?? `${where === '' ? '' : `${where} `}${field} must be ${allowed} (got ${show(value)})`;
  return err;
}

/** Consecutive trial steps with a non-finite stage before the solve fails. */
export const MAX_NONFINITE_RETRIES = 12;

/** The failure message after repeated non-finite trial steps. */
export function nonFiniteMessage(t: number, h: number): string {
  return (
    `non-finite state or derivative in the step from t = ${fmt(t)} ` +
    `(${MAX_NONFINITE_RETRIES} retries with smaller steps, last h = ${fmt(h)})`
  );
}

/** The failure message for an exhausted step budget. */
export function stepBudgetMessage(maxSteps: number, t: number, tEnd: number): string {
  return (
    `step budget exhausted: maxSteps = ${maxSteps} accepted + rejected steps used up at t = ${fmt(t)} ` +
    `(tEnd = ${fmt(tEnd)}); raise options.maxSteps or loosen the tolerances`
  );
}

/** The failure message for a step size below the resolution of t. */
export function underflowMessage(h: number, t: number): string {
  return `step size underflow: h = ${fmt(h)} at t = ${fmt(t)} (the solution may blow up or be singular there)`;
}

/** The failure message for a non-finite derivative at the start of a run. */
export function initialNonFiniteMessage(index: number, value: number, t: number): string {
  return `non-finite derivative f[${index}] = ${fmt(value)} at t = ${fmt(t)} (the initial point)`;
}
