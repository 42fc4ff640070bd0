/**
 * Work limits for entry points that cost their work before starting (the simulator, gated networks): the
 * limit values, their parsing from an options object, and the refusal that says the estimate, the limit and
 * how to raise it.
 */
import { ValidationError } from './errors.ts';
import { expectNumber, expectRecord, rejectUnknownKeys } from './validation.ts';

export interface WorkLimits {
  /** Largest estimated memory allowed (bytes); default 2 GiB. */
  readonly memoryBytes?: number;
  /** Largest estimated run time allowed (seconds); default 600. */
  readonly seconds?: number;
}

export const DEFAULT_WORK_LIMITS = { memoryBytes: 2 * 1024 ** 3, seconds: 600 } as const;

export interface WorkEstimate {
  readonly memoryBytes: number;
  readonly seconds: number;
  readonly records: number;
}

/** `options.limits` as given (absent: defaults), each bound a number > 0. */
export function parseWorkLimits(value: unknown, field: string): WorkLimits | undefined {
  if (value === undefined) return undefined;
  const l = expectRecord(value, field, 'an object { memoryBytes?, seconds? }');
  rejectUnknownKeys(l, ['memoryBytes', 'seconds'], field);
  return {
    ...(l['memoryBytes'] !== undefined ? { memoryBytes: expectNumber(l['memoryBytes'], `${field}.memoryBytes`, { exclusiveMin: 0 }) } : {}),
    ...(l['seconds'] !== undefined ? { seconds: expectNumber(l['seconds'], `${field}.seconds`, { exclusiveMin: 0 }) } : {}),
  };
}

function bytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** What to suggest when a limit is passed: how to shrink the work, and the option and flag that raise it. */
export interface LimitAdvice {
  readonly field: string;
  readonly shrinkMemory: string;
  readonly shrinkTime: string;
  readonly raiseMemory: string;
  readonly raiseTime: string;
}

/** Refuses an estimate past a limit with a ValidationError on `advice.field`; returns the estimate otherwise. */
export function checkWork<E extends WorkEstimate>(cost: E, limits: WorkLimits | undefined, advice: LimitAdvice): E {
  const memory = limits?.memoryBytes ?? DEFAULT_WORK_LIMITS.memoryBytes;
  const seconds = limits?.seconds ?? DEFAULT_WORK_LIMITS.seconds;
  if (!(cost.memoryBytes <= memory)) {
    throw new ValidationError(
      advice.field,
      `an estimated ${bytes(cost.memoryBytes)} (${cost.records} records)`,
      `at most ${bytes(memory)}; ${advice.shrinkMemory}, or raise the limit (${advice.raiseMemory})`,
    );
  }
  if (!(cost.seconds <= seconds)) {
    throw new ValidationError(
      advice.field,
      `an estimated ${cost.seconds.toPrecision(2)} s of work`,
      `at most ${seconds} s; ${advice.shrinkTime}, or raise the limit (${advice.raiseTime})`,
    );
  }
  return cost;
}
