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

/**
 * The fast path's reading of a problem, into buffers that endState reuses from call to call: its numbers in flat
 * typed arrays, q and p pathway-major (q[a·K + α]). endState validates and solves ~10⁵ small problems a second in a
 * sweep, and the arrays a parse would otherwise allocate per problem (one per row, ~a dozen) cost about as much as
 * reading the values (bench/endstate).
 */
export class BalancedBuffers {
  /** Modes K and pathways M of the last problem read. */
  modes = 0;
  pathways = 0;
  singularValues = new Float64Array(8);
  inputVariances = new Float64Array(8);
  /** A plain array: modeEndState takes the depths as number[]; its length is the M of the last problem read. */
  readonly depths: number[] = [];
  q = new Float64Array(16);
  p = new Float64Array(16);

  /** Makes room for K modes and M pathways (the contents are then overwritten by the reader). */
  reserve(K: number, M: number): void {
    if (this.singularValues.length < K) {
      this.singularValues = new Float64Array(K);
      this.inputVariances = new Float64Array(K);
    }
    if (this.q.length < K * M) {
      this.q = new Float64Array(K * M);
      this.p = new Float64Array(K * M);
    }
    this.modes = K;
    this.pathways = M;
    this.depths.length = M;
  }
}

/**
 * Reads `value` (a plain array of `length` finite numbers passing `kind`'s check, -0 read as 0) into
 * out[offset…]; false otherwise. kind: 0 any, 1 non-negative, 2 positive, 3 a depth. (A small integer rather
 * than a predicate: a callback per value would be a call the JIT cannot always inline.)
 */
function readNumbers(value: unknown, length: number, kind: 0 | 1 | 2, out: Float64Array, offset: number): boolean {
  if (!isPlainArray(value) || value.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    if (kind === 1 ? !(v >= 0) : kind === 2 ? !(v > 0) : false) return false;
    out[offset + i] = v + 0;
  }
  return true;
}

function readMatrix(value: unknown, rows: number, cols: number, out: Float64Array): boolean {
  if (!isPlainArray(value) || value.length !== rows) return false;
  for (let a = 0; a < rows; a++) if (!readNumbers(value[a], cols, 0, out, a * cols)) return false;
  return true;
}

const depthOk = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= FAST_MAX_DEPTH;

/**
 * Reads a balanced problem into `into` (see above); false when parseReducedProblem must decide. Values are read
 * in the parser's order and each once.
 */
export function readBalancedFast(input: unknown, into: BalancedBuffers): boolean {
  try {
    if (!isRecord(input)) return false;
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
        if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) return false;
      } else return false; // times, solver or an unknown key: the parser decides
    }
    if (!isPlainArray(sv) || sv.length === 0 || !isPlainArray(dp) || dp.length === 0) return false;
    const K = sv.length;
    const M = dp.length;
    if (M * K > MAX_RESULT_VALUES) return false;
    into.reserve(K, M);
    if (!readNumbers(sv, K, 1, into.singularValues, 0)) return false;
    if (iv === undefined) into.inputVariances.fill(1, 0, K);
    else if (!readNumbers(iv, K, 2, into.inputVariances, 0)) return false;
    const depths = into.depths;
    for (let a = 0; a < M; a++) {
      const v: unknown = dp[a];
      if (!depthOk(v)) return false;
      depths[a] = v;
    }
    if (!isRecord(init)) return false;
    let qValue: unknown;
    let pValue: unknown;
    let keys = 0;
    for (const key of Object.keys(init)) {
      const value = init[key];
      if (key === 'q') qValue = value;
      else if (key === 'p') pValue = value;
      else return false;
      keys++;
    }
    if (keys !== 2) return false;
    if (!readMatrix(pValue, M, K, into.p)) return false;
    return readMatrix(qValue, M, K, into.q);
  } catch {
    return false; // a getter or Proxy trap threw: the parser reports it as unreadable
  }
}

/** The balanced problem as arrays, or null when parseReducedProblem must decide (see above). */
export function parseBalancedFast(input: unknown): BalancedProblem | null {
  const into = new BalancedBuffers();
  if (!readBalancedFast(input, into)) return null;
  const K = into.modes;
  const M = into.pathways;
  const rows = (flat: Float64Array): number[][] => Array.from({ length: M }, (_, a) => Array.from(flat.subarray(a * K, (a + 1) * K)));
  return {
    singularValues: Array.from(into.singularValues.subarray(0, K)),
    inputVariances: Array.from(into.inputVariances.subarray(0, K)),
    depths: [...into.depths],
    q: rows(into.q),
    p: rows(into.p),
  };
}
