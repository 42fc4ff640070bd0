/**
 * Validation of a reduced problem at the boundary, and its normalised internal form.
 */
import type { MethodName } from '../integrate/types.ts';
import {
  ValidationError,
  expectArray,
  expectNumber,
  expectNumberArray as expectNumberArrayNamed,
  expectOneOf,
  expectRecord,
  rejectUnknownKeys,
  type NumberRule,
} from '../util/validation.ts';
import { balancedStates, perLayerStates, wideGaussianInit, type BalancedValues } from './init.ts';
import type { ReducedForm } from './model.ts';

/**
 * expectNumberArray with a fast path: a plain loop checks every element, and only if one fails is the named
 * check run (for its error message). The named check formats `field[i]` for every element, which for the 41
 * output times of a typical problem cost more than the rest of the validation together.
 */
function expectNumberArray(
  value: unknown,
  field: string,
  rule: NumberRule = {},
  length?: number,
  what?: string,
): number[] {
  if (Array.isArray(value) && (length === undefined || value.length === length)) {
    const { min, max, exclusiveMin, integer } = rule;
    let ok = true;
    for (let i = 0; i < value.length && ok; i++) {
      const v: unknown = value[i];
      ok =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (!integer || Number.isInteger(v)) &&
        (min === undefined || v >= min) &&
        (max === undefined || v <= max) &&
        (exclusiveMin === undefined || v > exclusiveMin);
    }
    if (ok) return (value as number[]).slice();
  }
  return expectNumberArrayNamed(value, field, rule, length, what);
}

export const METHODS: readonly MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];
export const DEFAULT_SOLVER = { method: 'auto' as MethodName, rtol: 1e-8, atol: 1e-10, maxSteps: 100_000 };

/** Depths beyond this are almost certainly a typo and would make q^{D−1} under/overflow. */
const MAX_DEPTH = 1000;

export interface NormalisedProblem {
  readonly singularValues: number[];
  readonly inputVariances: number[];
  readonly depths: number[];
  readonly tau: number;
  readonly form: ReducedForm;
  /** Initial state of each mode in the model's layout. */
  readonly initialStates: Float64Array[];
  /** The (q, p) values when the problem was posed in the balanced form (explicitly or sampled). */
  readonly balanced?: BalancedValues;
  readonly times: number[];
  readonly solver: { method: MethodName; rtol: number; atol: number; maxSteps: number };
}

const TOP_KEYS = ['singularValues', 'inputVariances', 'depths', 'tau', 'init', 'times', 'solver'] as const;

/** Checks every field of a reduced problem; throws a ValidationError naming the first bad one. */
export function parseReducedProblem(input: unknown): NormalisedProblem {
  const obj = expectRecord(input, 'problem', 'a JSON object with singularValues, depths, init and times');
  rejectUnknownKeys(obj, TOP_KEYS, '');

  const singularValues = expectNumberArray(obj['singularValues'], 'singularValues', { min: 0 });
  if (singularValues.length === 0) {
    throw new ValidationError('singularValues', obj['singularValues'], 'at least one singular value (K ≥ 1 modes)');
  }
  const K = singularValues.length;
  const inputVariances =
    obj['inputVariances'] === undefined
      ? new Array<number>(K).fill(1)
      : expectNumberArray(obj['inputVariances'], 'inputVariances', { exclusiveMin: 0 }, K, 'one input variance per singular value');

  const depths = expectNumberArray(obj['depths'], 'depths', { integer: true, min: 1, max: MAX_DEPTH });
  if (depths.length === 0) throw new ValidationError('depths', obj['depths'], 'at least one pathway depth');
  const M = depths.length;

  const tau = obj['tau'] === undefined ? 1 : expectNumber(obj['tau'], 'tau', { exclusiveMin: 0 });

  const times = expectNumberArray(obj['times'], 'times', { min: 0 });
  if (times.length === 0) throw new ValidationError('times', obj['times'], 'at least one output time');
  for (let i = 1; i < times.length; i++) {
    if (!(times[i]! > times[i - 1]!)) {
      throw new ValidationError(`times[${i}]`, times[i], `strictly increasing times (> times[${i - 1}] = ${times[i - 1]})`);
    }
  }

  const solver = parseSolver(obj['solver']);
  const init = parseInit(obj['init'], depths, K);
  return { singularValues, inputVariances, depths, tau, times, solver, ...init };
}

function parseSolver(value: unknown): NormalisedProblem['solver'] {
  if (value === undefined) return { ...DEFAULT_SOLVER };
  const obj = expectRecord(value, 'solver', 'an object { method?, rtol?, atol?, maxSteps? }');
  rejectUnknownKeys(obj, ['method', 'rtol', 'atol', 'maxSteps'], 'solver');
  return {
    method: obj['method'] === undefined ? DEFAULT_SOLVER.method : expectOneOf(obj['method'], 'solver.method', METHODS),
    // rtol below ~1e-15 asks for more than double precision holds.
    rtol: obj['rtol'] === undefined ? DEFAULT_SOLVER.rtol : expectNumber(obj['rtol'], 'solver.rtol', { min: 1e-15, max: 1 }),
    atol: obj['atol'] === undefined ? DEFAULT_SOLVER.atol : expectNumber(obj['atol'], 'solver.atol', { exclusiveMin: 0 }),
    maxSteps:
      obj['maxSteps'] === undefined
        ? DEFAULT_SOLVER.maxSteps
        : expectNumber(obj['maxSteps'], 'solver.maxSteps', { integer: true, min: 1 }),
  };
}

function parseMatrix(value: unknown, field: string, rows: number, cols: number): number[][] {
  return expectArray(value, field, rows, 'one row per pathway').map((row, a) =>
    expectNumberArray(row, `${field}[${a}]`, {}, cols, 'one value per mode'),
  );
}

function parseInit(
  value: unknown,
  depths: number[],
  K: number,
): Pick<NormalisedProblem, 'form' | 'initialStates' | 'balanced'> {
  const allowed = 'one of { layers }, { q, p }, { wideGaussian: { sigma, width, seed } }';
  const obj = expectRecord(value, 'init', allowed);
  const M = depths.length;
  const forms = ['layers', 'q', 'wideGaussian'].filter((k) => k in obj || (k === 'q' && 'p' in obj));
  if (forms.length > 1) throw new ValidationError('init', value, `exactly ${allowed}, not ${forms.join(' and ')} together`);
  if ('layers' in obj) {
    rejectUnknownKeys(obj, ['layers'], 'init');
    const layers = expectArray(obj['layers'], 'init.layers', M, 'one entry per pathway').map((pathway, a) =>
      expectArray(pathway, `init.layers[${a}]`, depths[a], `one entry per layer (depth ${depths[a]})`).map((layer, d) =>
        expectNumberArray(layer, `init.layers[${a}][${d}]`, {}, K, 'one value per mode'),
      ),
    );
    return { form: 'perLayer', initialStates: perLayerStates(layers, depths, K) };
  }
  if ('q' in obj || 'p' in obj) {
    rejectUnknownKeys(obj, ['q', 'p'], 'init');
    const p = parseMatrix(obj['p'], 'init.p', M, K);
    // q is ignored for depth-1 pathways but must still have the common shape, so rows line up with pathways.
    const q = parseMatrix(obj['q'], 'init.q', M, K);
    const balanced = { q, p };
    return { form: 'balanced', initialStates: balancedStates(balanced, depths, K), balanced };
  }
  if ('wideGaussian' in obj) {
    rejectUnknownKeys(obj, ['wideGaussian'], 'init');
    const wg = expectRecord(obj['wideGaussian'], 'init.wideGaussian', 'an object { sigma, width, seed }');
    rejectUnknownKeys(wg, ['sigma', 'width', 'seed'], 'init.wideGaussian');
    const sigma = expectNumber(wg['sigma'], 'init.wideGaussian.sigma', { exclusiveMin: 0 });
    const width = expectNumber(wg['width'], 'init.wideGaussian.width', { integer: true, min: 1 });
    const seed = expectNumber(wg['seed'], 'init.wideGaussian.seed', {
      integer: true,
      min: Number.MIN_SAFE_INTEGER,
      max: Number.MAX_SAFE_INTEGER,
    });
    const balanced = wideGaussianInit(sigma, width, seed, M, K);
    return { form: 'balanced', initialStates: balancedStates(balanced, depths, K), balanced };
  }
  throw new ValidationError('init', value, allowed);
}
