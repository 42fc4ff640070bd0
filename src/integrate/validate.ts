/**
 * Validation of a solve's input, once per solve before any work: every failure is a `ValidationError` (a
 * RangeError) naming the field (`problem.y0[3]`, `options.rtol`, …), the value it got and what is allowed.
 */
import type { EventFunction, OdeProblem, SolverOptions } from './types.ts';
import { fmt, invalid } from './messages.ts';

/** Accepted + rejected steps of a solve when options.maxSteps is not given. */
export const DEFAULT_MAX_STEPS = 100_000;

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Throws a ValidationError for the first bad field of `problem` and `options` (`method` prefixes the message).
 * tEnd = t0 is valid (nothing to integrate: the solve returns the constant solution). With `needsJacobian`,
 * problem.jacobian is required.
 */
export function validateInputs(problem: OdeProblem, options: SolverOptions, method: string, needsJacobian = false): void {
  const where = `${method}:`;
  if (problem === null || typeof problem !== 'object') throw invalid(where, 'problem', problem, 'an object');
  if (options === null || typeof options !== 'object') throw invalid(where, 'options', options, 'an object');
  const n = problem.dimension;
  if (!Number.isInteger(n) || n < 1) throw invalid(where, 'problem.dimension', n, 'an integer >= 1');
  if (problem.autonomous !== undefined && typeof problem.autonomous !== 'boolean') {
    throw invalid(where, 'problem.autonomous', problem.autonomous, 'a boolean or undefined');
  }
  if (typeof problem.rhs !== 'function') throw invalid(where, 'problem.rhs', problem.rhs, 'a function');
  if (problem.jacobian !== undefined && typeof problem.jacobian !== 'function') {
    throw invalid(where, 'problem.jacobian', problem.jacobian, 'a function or undefined');
  }
  if (needsJacobian && typeof problem.jacobian !== 'function') {
    throw invalid(
      where,
      'problem.jacobian',
      problem.jacobian,
      'a function',
      `${method}: problem.jacobian is required (the method uses the analytic Jacobian ∂f/∂y); ` +
        "supply it or use method 'dopri5' or 'odex'",
    );
  }
  if (!isFiniteNumber(problem.t0)) throw invalid(where, 'problem.t0', problem.t0, 'a finite number');
  if (!isFiniteNumber(problem.tEnd) || !(problem.tEnd >= problem.t0)) {
    const allowed = `a finite number >= t0 = ${fmt(problem.t0)}`;
    throw invalid(
      where,
      'problem.tEnd',
      problem.tEnd,
      allowed,
      `${where} problem.tEnd must be ${allowed} (got ${fmt(problem.tEnd)}); integration is forward in time only`,
    );
  }
  const y0 = problem.y0;
  if (y0 === null || typeof y0 !== 'object' || typeof y0.length !== 'number') {
    throw invalid(where, 'problem.y0', y0, `an array-like of ${n} numbers`);
  }
  if (y0.length !== n) {
    throw invalid(
      where,
      'problem.y0.length',
      y0.length,
      `problem.dimension = ${n}`,
      `${where} problem.y0 has length ${y0.length}; it must have length problem.dimension = ${n}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!isFiniteNumber(y0[i])) throw invalid(where, `problem.y0[${i}]`, y0[i], 'a finite number');
  }
  if (!isFiniteNumber(options.rtol) || !(options.rtol > 0)) throw invalid(where, 'options.rtol', options.rtol, 'a finite number > 0');
  if (!isFiniteNumber(options.atol) || !(options.atol > 0)) throw invalid(where, 'options.atol', options.atol, 'a finite number > 0');
  if (options.maxSteps !== undefined && (!Number.isInteger(options.maxSteps) || options.maxSteps < 1)) {
    throw invalid(where, 'options.maxSteps', options.maxSteps, 'an integer >= 1');
  }
  if (options.initialStep !== undefined && (!isFiniteNumber(options.initialStep) || !(options.initialStep > 0))) {
    throw invalid(where, 'options.initialStep', options.initialStep, 'a finite number > 0');
  }
  if (options.maxStep !== undefined && (typeof options.maxStep !== 'number' || !(options.maxStep > 0))) {
    throw invalid(where, 'options.maxStep', options.maxStep, 'a number > 0');
  }
  if (options.stopWhen !== undefined && typeof options.stopWhen !== 'function') {
    throw invalid(where, 'options.stopWhen', options.stopWhen, 'a function or undefined');
  }
  if (options.denseOutput !== undefined && typeof options.denseOutput !== 'boolean') {
    throw invalid(where, 'options.denseOutput', options.denseOutput, 'a boolean or undefined');
  }
  validateOutputTimes(problem, options, where);
  const events = options.events;
  if (events !== undefined) {
    if (!Array.isArray(events)) throw invalid(where, 'options.events', events, 'an array');
    for (let k = 0; k < events.length; k++) {
      const e = events[k] as EventFunction;
      if (e === null || typeof e !== 'object' || typeof e.g !== 'function') {
        throw invalid(where, `options.events[${k}].g`, e?.g, 'a function');
      }
      if (e.direction !== undefined && e.direction !== -1 && e.direction !== 0 && e.direction !== 1) {
        throw invalid(where, `options.events[${k}].direction`, e.direction, '-1, 0 or 1');
      }
    }
  }
}

function validateOutputTimes(problem: OdeProblem, options: SolverOptions, where: string): void {
  const times = options.outputTimes;
  if (options.onOutput !== undefined) {
    if (typeof options.onOutput !== 'function') {
      throw invalid(where, 'options.onOutput', options.onOutput, 'a function or undefined');
    }
    if (times === undefined) {
      throw invalid(
        where,
        'options.outputTimes',
        times,
        'the times at which options.onOutput is called',
        `${where} options.onOutput needs options.outputTimes (the times at which it is called)`,
      );
    }
  }
  if (times === undefined) return;
  if (times === null || typeof times !== 'object' || typeof times.length !== 'number') {
    throw invalid(where, 'options.outputTimes', times, 'an array-like of numbers');
  }
  for (let k = 0; k < times.length; k++) {
    const t = times[k];
    if (!isFiniteNumber(t) || t < problem.t0 || t > problem.tEnd || (k > 0 && t < times[k - 1]!)) {
      const allowed = `finite, non-decreasing times within [t0, tEnd] = [${fmt(problem.t0)}, ${fmt(problem.tEnd)}]`;
      throw invalid(
        where,
        `options.outputTimes[${k}]`,
        t,
        allowed,
        `${where} options.outputTimes[${k}] = ${fmt(t as number)}: output times must be finite, non-decreasing and within ` +
          `[t0, tEnd] = [${fmt(problem.t0)}, ${fmt(problem.tEnd)}]`,
      );
    }
  }
}

