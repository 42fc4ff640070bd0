/**
 * A fast path through the validation of an end-state problem in its most common form, { singularValues,
 * inputVariances?, depths, tau?, init: { q, p } }: parseReducedProblem (src/reduced/problem.ts) builds a snapshot
 * of every object, the solver settings, the per-mode ODE states and the named checks, which cost several times the
 * end state itself (bench/endstate). This accepts only what parseReducedProblem accepts, reading each value once
 * as it does; anything else — another form of init, `times` or `solver` present, any value it would reject, a
 * getter or Proxy that throws — returns null, and the caller goes through parseReducedProblem, which gives the
 * field-level error or the other forms.
 */
import { MAX_RESULT_VALUES } from '../reduced/problem.ts';
import { isRecord } from '../util/validation.ts';

export interface BalancedProblem {
  readonly singularValues: number[];
  readonly inputVariances: number[];
  readonly depths: number[];
  /** [pathway a][mode α]. */
  readonly q: number[][];
  readonly p: number[][];
}

/**
 * Deeper pathways go through parseReducedProblem, whose own limit (1000) is the one that counts; the fast path
 * stays well inside it (spec/exact/endstate-problem.spec.ts checks that the parser accepts this depth).
 */
export const FAST_MAX_DEPTH = 200;

const isPlainArray = (value: unknown): value is unknown[] =>
  Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;

/** A copy of a plain array of `length` (if given) finite numbers passing `ok`, -0 read as 0; null otherwise. */
function numbers(value: unknown, length: number, ok: (v: number) => boolean): number[] | null {
  if (!isPlainArray(value)) return null;
  const n = value.length;
  if (length >= 0 && n !== length) return null;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) return null;
    out[i] = v + 0;
  }
  return out;
}

function matrix(value: unknown, rows: number, cols: number): number[][] | null {
  if (!isPlainArray(value) || value.length !== rows) return null;
  const out = new Array<number[]>(rows);
  for (let a = 0; a < rows; a++) {
    const row = numbers(value[a], cols, anyNumber);
    if (row === null) return null;
    out[a] = row;
  }
  return out;
}

const anyNumber = (): boolean => true;
const nonNegative = (v: number): boolean => v >= 0;
const positive = (v: number): boolean => v > 0;
const depthOk = (v: number): boolean => Number.isSafeInteger(v) && v >= 1 && v <= FAST_MAX_DEPTH;

/** The balanced problem, or null when parseReducedProblem must decide (see above). */
export function parseBalancedFast(input: unknown): BalancedProblem | null {
  try {
    if (!isRecord(input)) return null;
    let sv: unknown;
    let iv: unknown;
    let dp: unknown;
    let init: unknown;
    // Own enumerable keys, each read once, as the parser's snapshot does (a key on a prototype does not count).
    for (const key of Object.keys(input)) {
      const value = input[key];
      if (key === 'singularValues') sv = value;
      else if (key === 'inputVariances') iv = value;
      else if (key === 'depths') dp = value;
      else if (key === 'init') init = value;
      else if (key === 'tau') {
        if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) return null;
      } else return null; // times, solver or an unknown key: the parser decides
    }
    const singularValues = numbers(sv, -1, nonNegative);
    if (singularValues === null || singularValues.length === 0) return null;
    const K = singularValues.length;
    const inputVariances = iv === undefined ? new Array<number>(K).fill(1) : numbers(iv, K, positive);
    if (inputVariances === null) return null;
    const depths = numbers(dp, -1, depthOk);
    if (depths === null || depths.length === 0) return null;
    const M = depths.length;
    if (M * K > MAX_RESULT_VALUES) return null;
    if (!isRecord(init)) return null;
    let qValue: unknown;
    let pValue: unknown;
    let keys = 0;
    for (const key of Object.keys(init)) {
      const value = init[key];
      if (key === 'q') qValue = value;
      else if (key === 'p') pValue = value;
      else return null;
      keys++;
    }
    if (keys !== 2) return null;
    const p = matrix(pValue, M, K);
    if (p === null) return null;
    const q = matrix(qValue, M, K);
    if (q === null) return null;
    return { singularValues, inputVariances, depths, q, p };
  } catch {
    return null; // a getter or Proxy trap threw: the parser reports it as unreadable
  }
}
