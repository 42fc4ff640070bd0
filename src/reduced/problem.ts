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
  isRecord,
  numberOk,
  rejectUnknownKeys,
  ruleText,
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
  // The fast path accepts exactly what the named check accepts: plain arrays only, each element read once into
  // the copy (a getter cannot show one value to the check and another to the caller), -0 read as 0. A Proxy
  // whose trap throws drops to the named check, which reports it as unreadable.
  try {
    if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
      const n = value.length;
      if (length === undefined || n === length) {
        const { min, max, exclusiveMin, integer } = rule;
        const out = new Array<number>(n);
        let ok = true;
        for (let i = 0; i < n && ok; i++) {
          const v: unknown = value[i];
          ok =
            typeof v === 'number' &&
            Number.isFinite(v) &&
            (!integer || Number.isSafeInteger(v)) &&
            (min === undefined || v >= min) &&
            (max === undefined || v <= max) &&
            (exclusiveMin === undefined || v > exclusiveMin) &&
            rule.exclusiveMax === undefined;
          if (ok) out[i] = (v as number) + 0;
        }
        if (ok) return out;
      }
    }
  } catch {
    // fall through to the named check
  }
  return expectNumberArrayNamed(value, field, rule, length, what);
}

export const METHODS: readonly MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];
export const DEFAULT_SOLVER = { method: 'auto' as MethodName, rtol: 1e-8, atol: 1e-10, maxSteps: 100_000 };

/**
 * The tolerances for which every method's answer is as accurate as asked (bench/fuzz/tolerances.ts, 20 seeded
 * problems, docs/problem-format.md): over rtol ∈ [1e-13, 1e-3] the worst strength error of every method is
 * ≤ 300·rtol·scale (dop853's constant factor ~170–290; the others ≤ 72). At rtol 1e-2 dop853 is off by
 * 500·scale and at rtol 1 `auto` returned K = 6.5e79·scale. Below 1e-13 double round-off, not the tolerance,
 * sets the error (the two references agree to 2.4e-11·scale), so a tighter rtol would promise what no method
 * delivers.
 */
export const RTOL_RANGE = { min: 1e-13, max: 1e-3 } as const;
/**
 * atol relative to the problem's scale max_α S_α/λ_α (bench/fuzz/tolerances.ts at rtol 1e-8): up to 1e-4·scale
 * every method's worst error is ≤ 1.3e3·atol; at 1e-3·scale auto, dopri5, rosenbrock and odex stay within 44·atol
 * but dop853 is off by 76·scale; beyond, every method degrades (auto 0.14·scale at 1e-1, and atol = 1e308 made
 * every step "accurate"). Hence 1e-3 for every method but dop853, and 1e-4 for dop853 (ATOL_MAX_RELATIVE_BY_METHOD).
 * The default atol (1e-10) is always allowed, so a problem whose scale is below 1e-7 keeps the default.
 */
export const ATOL_MAX_RELATIVE = 1e-3;
/** The atol bound of methods less accurate than ATOL_MAX_RELATIVE allows (see above). */
export const ATOL_MAX_RELATIVE_BY_METHOD: Partial<Record<MethodName, number>> = { dop853: 1e-4 };

/** Depths beyond this are almost certainly a typo and would make q^{D−1} under/overflow. */
export const MAX_DEPTH = 1000;

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

/**
 * Most values (pathways × modes × output times) a solve may return. The input is small for any size (three
 * arrays), but the result and the work grow as their product: 10⁴ modes, 10⁴ pathways and 10³ times is a
 * 100 kB file asking for 10¹¹ numbers. 10⁷ doubles is 80 MB in memory, about 200 MB as JSON.
 */
export const MAX_RESULT_VALUES = 10_000_000;

export interface ParseProblemOptions {
  /** `times` may be absent (read as [0]): for end states, which have no time axis. */
  readonly timesOptional?: boolean;
}

/** Checks every field of a reduced problem; throws a ValidationError naming the first bad one. */
export function parseReducedProblem(input: unknown, parseOptions: ParseProblemOptions = {}): NormalisedProblem {
  // Plain, well-formed input (what nearly every caller passes) takes the fast path; anything else, every error
  // included, goes through the named checks, which decide and give the message.
  return parsePlainProblem(input, parseOptions) ?? checkReducedProblem(input, parseOptions);
}

/** parseReducedProblem without its fast path: every field through the named checks. */
export function checkReducedProblem(input: unknown, parseOptions: ParseProblemOptions = {}): NormalisedProblem {
  const obj = expectRecord(input, 'problem', 'a JSON object with singularValues, depths, init and times');
  rejectUnknownKeys(obj, TOP_KEYS, '');
  if (parseOptions.timesOptional && obj['times'] === undefined) obj['times'] = [0];

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

  const values = M * K * times.length;
  if (values > MAX_RESULT_VALUES) {
    throw new ValidationError(
      'times.length',
      times.length,
      `at most ${MAX_RESULT_VALUES} result values (pathways × modes × times); this problem asks for ${M} × ${K} × ${times.length}`,
    );
  }

  let scale = 0;
  for (let m = 0; m < K; m++) scale = Math.max(scale, singularValues[m]! / inputVariances[m]!);
  const solver = parseSolver(obj['solver'], scale);
  const init = parseInit(obj['init'], depths, K);
  return { singularValues, inputVariances, depths, tau, times, solver, ...init };
}

function parseSolver(value: unknown, scale: number): NormalisedProblem['solver'] {
  if (value === undefined) return { ...DEFAULT_SOLVER };
  const obj = expectRecord(value, 'solver', 'an object { method?, rtol?, atol?, maxSteps? }');
  rejectUnknownKeys(obj, ['method', 'rtol', 'atol', 'maxSteps'], 'solver');
  const method = obj['method'] === undefined ? DEFAULT_SOLVER.method : expectOneOf(obj['method'], 'solver.method', METHODS);
  return {
    method,
    rtol: obj['rtol'] === undefined ? DEFAULT_SOLVER.rtol : expectNumber(obj['rtol'], 'solver.rtol', RTOL_RANGE),
    atol: obj['atol'] === undefined ? DEFAULT_SOLVER.atol : parseAtol(obj['atol'], scale, method),
    maxSteps:
      obj['maxSteps'] === undefined
        ? DEFAULT_SOLVER.maxSteps
        : expectNumber(obj['maxSteps'], 'solver.maxSteps', { integer: true, min: 1 }),
  };
}

function parseAtol(value: unknown, scale: number, method: MethodName): number {
  const relative = ATOL_MAX_RELATIVE_BY_METHOD[method] ?? ATOL_MAX_RELATIVE;
  // scale/λ can overflow to Infinity for S near 1e308 and tiny λ; the bound is then only "finite".
  const max = Math.max(relative * scale, DEFAULT_SOLVER.atol);
  const rule: NumberRule = Number.isFinite(max) ? { exclusiveMin: 0, max } : { exclusiveMin: 0 };
  if (numberOk(value, rule)) return value + 0;
  const which = ATOL_MAX_RELATIVE_BY_METHOD[method] === undefined ? '' : ` for ${method}`;
  throw new ValidationError(
    'solver.atol',
    value,
    `${ruleText(rule)} (atol ≤ ${relative}·max S/λ = ${relative}·${scale}${which}, or ≤ the default ${DEFAULT_SOLVER.atol})`,
  );
}

export interface ParsedSolveOptions {
  readonly learningFraction?: number;
}

/**
 * solveReduced's options: undefined or a plain object with only known keys. Without this, `null` made a
 * TypeError and `learningFraction: '0.5'` passed the driver's `f > 0 && f <= 1` by coercion.
 */
export function parseSolveOptions(value: unknown): ParsedSolveOptions {
  if (value === undefined) return {};
  const obj = expectRecord(value, 'options', 'an object { learningFraction? }');
  rejectUnknownKeys(obj, ['learningFraction'], 'options');
  if (obj['learningFraction'] === undefined) return {};
  return { learningFraction: expectNumber(obj['learningFraction'], 'options.learningFraction', { exclusiveMin: 0, max: 1 }) };
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

// ---------------------------------------------------------------------------------------------------------------
// The fast path.

const isPlainArray = (value: unknown): value is unknown[] => Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;

/**
 * A copy of a plain array of finite numbers (of `length`, if ≥ 0) within [min, max] (and, with `positive`,
 * > 0; with `integer`, safe integers), -0 read as 0; null for anything else.
 */
function plainNumbers(value: unknown, length: number, min: number, max: number, positive: boolean, integer: boolean): number[] | null {
  if (!isPlainArray(value)) return null;
  const n = value.length;
  if (length >= 0 && n !== length) return null;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !(v >= min && v <= max) || (positive && !(v > 0)) || (integer && !Number.isSafeInteger(v))) return null;
    out[i] = v + 0;
  }
  return out;
}

const ANY = Number.MAX_VALUE;

/** `rows` plain arrays of `cols` finite numbers, copied; null otherwise. */
function plainMatrix(value: unknown, rows: number, cols: number): number[][] | null {
  if (!isPlainArray(value) || value.length !== rows) return null;
  const out = new Array<number[]>(rows);
  for (let a = 0; a < rows; a++) {
    const row = plainNumbers(value[a], cols, -ANY, ANY, false, false);
    if (row === null) return null;
    out[a] = row;
  }
  return out;
}

/**
 * Reads a plain object's own enumerable properties, each once, for the keys in `known`, into `values` in the
 * order of `known` (absent keys undefined). Returns how many keys it has, or −1 if it is not a plain object or
 * has another key.
 */
function plainRecord(value: unknown, known: readonly string[], values: unknown[]): number {
  if (!isRecord(value)) return -1;
  for (let i = 0; i < known.length; i++) values[i] = undefined;
  const keys = Object.keys(value);
  for (const key of keys) {
    const i = known.indexOf(key);
    if (i < 0) return -1;
    values[i] = value[key];
  }
  return keys.length;
}

const SOLVER_KEYS = ['method', 'rtol', 'atol', 'maxSteps'] as const;

/**
 * The normalised problem of a plain, well-formed input, or null: parseReducedProblem then decides. It accepts
 * only what the named checks (checkReducedProblem) accept, with the same values (spec/reduced/fast-parse.spec.ts
 * checks this on seeded random inputs, valid and broken): a plain object with only known keys, plain arrays of
 * finite numbers in range, init as { q, p } or { layers }, and a solver object with only known keys. Anything
 * else — a wideGaussian init, a key present with the value undefined where the checks read presence, a value
 * out of range, a getter or Proxy trap that throws — returns null. The named checks snapshot every object and
 * format a field name per element: for a typical problem (bench/reduced) they cost ≈ 10% of the solve.
 */
export function parsePlainProblem(input: unknown, parseOptions: ParseProblemOptions = {}): NormalisedProblem | null {
  try {
    const top: unknown[] = [];
    if (plainRecord(input, TOP_KEYS, top) < 0) return null;
    const [sv, iv, dp, tauValue, initValue, timesValue, solverValue] = top;
    const singularValues = plainNumbers(sv, -1, 0, ANY, false, false);
    if (singularValues === null || singularValues.length === 0) return null;
    const K = singularValues.length;
    const inputVariances = iv === undefined ? new Array<number>(K).fill(1) : plainNumbers(iv, K, -ANY, ANY, true, false);
    if (inputVariances === null) return null;
    const depths = plainNumbers(dp, -1, 1, MAX_DEPTH, false, true);
    if (depths === null || depths.length === 0) return null;
    const M = depths.length;
    let tau = 1;
    if (tauValue !== undefined) {
      if (typeof tauValue !== 'number' || !(tauValue > 0 && tauValue <= ANY)) return null;
      tau = tauValue + 0;
    }
    let times: number[] | null;
    if (timesValue === undefined) {
      if (!parseOptions.timesOptional) return null;
      times = [0];
    } else times = plainNumbers(timesValue, -1, 0, ANY, false, false);
    if (times === null || times.length === 0) return null;
    for (let i = 1; i < times.length; i++) if (!(times[i]! > times[i - 1]!)) return null;
    if (M * K * times.length > MAX_RESULT_VALUES) return null;
    let scale = 0;
    for (let m = 0; m < K; m++) scale = Math.max(scale, singularValues[m]! / inputVariances[m]!);
    const solver = plainSolver(solverValue, scale);
    if (solver === null) return null;
    const init = plainInit(initValue, depths, K);
    if (init === null) return null;
    return { singularValues, inputVariances, depths, tau, times, solver, ...init };
  } catch {
    return null; // a getter or Proxy trap threw: the named checks report it as unreadable
  }
}

function plainSolver(value: unknown, scale: number): NormalisedProblem['solver'] | null {
  if (value === undefined) return { ...DEFAULT_SOLVER };
  const fields: unknown[] = [];
  if (plainRecord(value, SOLVER_KEYS, fields) < 0) return null;
  const [methodValue, rtolValue, atolValue, maxStepsValue] = fields;
  let method = DEFAULT_SOLVER.method;
  if (methodValue !== undefined) {
    if (typeof methodValue !== 'string' || !(METHODS as readonly string[]).includes(methodValue)) return null;
    method = methodValue as MethodName;
  }
  let rtol = DEFAULT_SOLVER.rtol;
  if (rtolValue !== undefined) {
    if (typeof rtolValue !== 'number' || !(rtolValue >= RTOL_RANGE.min && rtolValue <= RTOL_RANGE.max)) return null;
    rtol = rtolValue + 0;
  }
  let atol = DEFAULT_SOLVER.atol;
  if (atolValue !== undefined) {
    // parseAtol's bound: finite and > 0, and ≤ max when max is finite.
    const max = Math.max((ATOL_MAX_RELATIVE_BY_METHOD[method] ?? ATOL_MAX_RELATIVE) * scale, DEFAULT_SOLVER.atol);
    if (typeof atolValue !== 'number' || !(atolValue > 0 && atolValue <= ANY) || (Number.isFinite(max) && !(atolValue <= max))) return null;
    atol = atolValue + 0;
  }
  let maxSteps = DEFAULT_SOLVER.maxSteps;
  if (maxStepsValue !== undefined) {
    if (typeof maxStepsValue !== 'number' || !Number.isSafeInteger(maxStepsValue) || !(maxStepsValue >= 1)) return null;
    maxSteps = maxStepsValue + 0;
  }
  return { method, rtol, atol, maxSteps };
}

const INIT_KEYS = ['layers', 'q', 'p'] as const;

function plainInit(value: unknown, depths: number[], K: number): Pick<NormalisedProblem, 'form' | 'initialStates' | 'balanced'> | null {
  const fields: unknown[] = [];
  const keys = plainRecord(value, INIT_KEYS, fields);
  const [layersValue, qValue, pValue] = fields;
  const M = depths.length;
  if (layersValue !== undefined) {
    // Alone (a q or p beside it, even undefined, is the named checks' error): the keys read were only layers.
    if (keys !== 1) return null;
    if (!isPlainArray(layersValue) || layersValue.length !== M) return null;
    const layers = new Array<number[][]>(M);
    for (let a = 0; a < M; a++) {
      const pathway = plainMatrix(layersValue[a], depths[a]!, K);
      if (pathway === null) return null;
      layers[a] = pathway;
    }
    return { form: 'perLayer', initialStates: perLayerStates(layers, depths, K) };
  }
  // { q, p }: both present (a key with the value undefined is refused by the checks too, or means another form).
  if (keys !== 2) return null;
  const p = plainMatrix(pValue, M, K);
  if (p === null) return null;
  const q = plainMatrix(qValue, M, K);
  if (q === null) return null;
  const balanced = { q, p };
  return { form: 'balanced', initialStates: balancedStates(balanced, depths, K), balanced };
}
