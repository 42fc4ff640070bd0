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
    super(`${field}: got ${describe(value)}; allowed: ${allowed}`);
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

/** A value as a message shows it: short, and telling NaN, missing and strings apart. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
