/**
 * Sweep specs (DESIGN §4): a declarative grid of points — axes over depths, σ, width N, target S, number of
 * pathways M — each run for several seeds by one engine, with the measures to record. Validated at the
 * boundary: every error names the field, the value and what is allowed.
 */
import type { SolverSpec } from '../reduced/types.ts';
import { METHODS } from '../reduced/problem.ts';
import {
  ValidationError,
  expectArray,
  expectNumber,
  expectOneOf,
  expectRecord,
  isRecord,
  rejectUnknownKeys,
} from '../util/validation.ts';

export const ENGINES = ['endstate', 'reduced', 'network'] as const;
export type EngineName = (typeof ENGINES)[number];

/** Largest M the per-pathway depth parameters (depth1 … depth9) can address. */
export const MAX_PATHWAYS = 9;
const MAX_DEPTH = 1000;

/** Parameters a point is made of. `depthK` (K = 1 … 9) overrides `depth` for pathway K (1-based, as in the papers). */
export const PARAMETERS = [
  'pathways',
  'depth',
  ...Array.from({ length: MAX_PATHWAYS }, (_, i) => `depth${i + 1}`),
  'sigma',
  'width',
  'target',
  'tau',
] as const;
export type ParameterName = (typeof PARAMETERS)[number];

interface ParameterRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly exclusiveMin?: number;
  readonly meaning: string;
}

function ruleOf(name: string): ParameterRule {
  if (name === 'pathways') return { integer: true, min: 1, max: MAX_PATHWAYS, meaning: 'number of pathways M' };
  if (name === 'depth' || /^depth[1-9]$/.test(name)) return { integer: true, min: 1, max: MAX_DEPTH, meaning: 'depth D' };
  if (name === 'sigma') return { exclusiveMin: 0, meaning: 'initial scale σ' };
  if (name === 'width') return { integer: true, min: 1, meaning: 'width N (spread of p₀ is σ/√N)' };
  if (name === 'target') return { exclusiveMin: 0, meaning: 'target singular value S' };
  return { exclusiveMin: 0, meaning: 'time constant τ' };
}

/** Defaults for parameters that are neither fixed nor an axis. σ and a depth have none: they must be given. */
export const DEFAULTS: Partial<Record<ParameterName, number>> = { pathways: 2, width: 100, target: 3, tau: 1 };

export const MEASURE_NAMES = [
  'winnerShare',
  'participation',
  'deepestShare',
  'learningTime',
  'strengths',
  ...Array.from({ length: MAX_PATHWAYS }, (_, i) => `share${i + 1}`),
] as const;
export type MeasureName = (typeof MEASURE_NAMES)[number];

export interface Axis {
  readonly name: ParameterName;
  readonly values: readonly number[];
}

export interface PlotSpec {
  readonly kind: 'heatmap' | 'line';
  readonly measure: string;
  readonly x: ParameterName;
  /** heatmap: the second grid axis. */
  readonly y?: ParameterName;
  /** line: one coloured series per value of this axis. */
  readonly series?: ParameterName;
  /** one panel per value of this axis. */
  readonly facet?: ParameterName;
  readonly title?: string;
  /** File name stem (without extension). */
  readonly file?: string;
}

export interface SweepSpec {
  readonly name: string;
  readonly engine: EngineName;
  /** The sweep seed: every point's seed derives from it and the point's coordinates. */
  readonly seed: number;
  /** Seeds (independent initial draws) per grid cell. */
  readonly seeds: number;
  readonly fixed: Readonly<Partial<Record<ParameterName, number>>>;
  readonly axes: readonly Axis[];
  readonly measures: readonly MeasureName[];
  /** Learning time of the mode: first t with Σ_a K_a ≥ f·S. */
  readonly learningFraction: number;
  /** End time for `reduced`/`network`; absent: run until learned (the end state). */
  readonly time?: number;
  readonly solver?: SolverSpec;
  /** Engine-specific settings passed through (the `network` engine's training options). */
  readonly network?: Readonly<Record<string, unknown>>;
  readonly plots?: readonly PlotSpec[];
}

const TOP_KEYS = [
  '$schema',
  'name',
  'description',
  'engine',
  'seed',
  'seeds',
  'fixed',
  'axes',
  'measures',
  'learningFraction',
  'time',
  'solver',
  'network',
  'plots',
] as const;

/** Axis values: an explicit list, or a generated grid `{ "from", "to", "count", "scale": "linear" | "log" }`. */
function parseAxisValues(value: unknown, field: string, rule: ParameterRule): number[] {
  const allowed = 'an array of numbers, or { "from", "to", "count", "scale": "linear" | "log" }';
  let values: number[];
  if (Array.isArray(value)) {
    values = value.map((v, i) => expectNumber(v, `${field}[${i}]`, rule));
  } else if (isRecord(value)) {
    rejectUnknownKeys(value, ['from', 'to', 'count', 'scale'], field);
    const scale = value['scale'] === undefined ? 'linear' : expectOneOf(value['scale'], `${field}.scale`, ['linear', 'log']);
    const count = expectNumber(value['count'], `${field}.count`, { integer: true, min: 1, max: 10_000 });
    const from = expectNumber(value['from'], `${field}.from`, rule);
    const to = expectNumber(value['to'], `${field}.to`, rule);
    if (scale === 'log' && !(from > 0 && to > 0)) {
      throw new ValidationError(`${field}.from`, from, 'positive ends for a log scale');
    }
    values = Array.from({ length: count }, (_, i) => {
      if (count === 1) return from;
      const f = i / (count - 1);
      // Inner grid values (log or linear) are stored rounded to 12 significant digits so that values print and re-read identically.
      const v = scale === 'log' ? from * (to / from) ** f : from + (to - from) * f;
      return i === count - 1 ? to : Number(v.toPrecision(12));
    });
    if (rule.integer) {
      values = values.map((v) => Math.round(v));
    }
  } else {
    throw new ValidationError(field, value, allowed);
  }
  if (values.length === 0) throw new ValidationError(field, value, 'at least one value');
  const seen = new Set<number>();
  values.forEach((v, i) => {
    if (seen.has(v)) throw new ValidationError(`${field}[${i}]`, v, 'distinct values (this one repeats)');
    seen.add(v);
  });
  return values;
}

function parseParameterName(key: string, field: string, value: unknown): ParameterName {
  if (!(PARAMETERS as readonly string[]).includes(key)) {
    throw new ValidationError(field, value, `no such parameter; known: ${PARAMETERS.filter((p) => !/^depth[2-9]$/.test(p)).join(', ').replace('depth1', 'depth1 … depth9')}`);
  }
  return key as ParameterName;
}

/** Checks every field of a sweep spec; throws a ValidationError naming the first bad one. */
export function parseSweepSpec(input: unknown): SweepSpec {
  const obj = expectRecord(input, 'spec', 'a JSON object with engine, fixed, axes and measures');
  rejectUnknownKeys(obj, TOP_KEYS, '');

  const name = obj['name'] === undefined ? 'sweep' : obj['name'];
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,80}$/.test(name)) {
    throw new ValidationError('name', name, 'a string of 1–80 letters, digits, ".", "_" or "-"');
  }
  if (obj['description'] !== undefined && typeof obj['description'] !== 'string') {
    throw new ValidationError('description', obj['description'], 'a string');
  }
  const engine = expectOneOf(obj['engine'], 'engine', ENGINES);
  const seed = obj['seed'] === undefined ? 1 : expectNumber(obj['seed'], 'seed', { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  const seeds = obj['seeds'] === undefined ? 1 : expectNumber(obj['seeds'], 'seeds', { integer: true, min: 1, max: 100_000 });

  const fixedIn = obj['fixed'] === undefined ? {} : expectRecord(obj['fixed'], 'fixed', 'an object { parameter: value }');
  const fixed: Partial<Record<ParameterName, number>> = {};
  for (const [key, value] of Object.entries(fixedIn)) {
    const p = parseParameterName(key, `fixed.${key}`, value);
    fixed[p] = expectNumber(value, `fixed.${key}`, ruleOf(p));
  }

  const axesIn = expectRecord(obj['axes'], 'axes', 'an object { parameter: values } with at least one axis');
  const axes: Axis[] = [];
  for (const [key, value] of Object.entries(axesIn)) {
    const p = parseParameterName(key, `axes.${key}`, value);
    if (fixed[p] !== undefined) {
      throw new ValidationError(`axes.${key}`, value, `a parameter that is not also in fixed (fixed.${key} = ${fixed[p]})`);
    }
    axes.push({ name: p, values: parseAxisValues(value, `axes.${key}`, ruleOf(p)) });
  }
  if (axes.length === 0) throw new ValidationError('axes', axesIn, 'at least one axis');

  const valuesOf = (p: ParameterName): readonly number[] | undefined => {
    const axis = axes.find((a) => a.name === p);
    if (axis) return axis.values;
    const v = fixed[p] ?? DEFAULTS[p];
    return v === undefined ? undefined : [v];
  };
  if (valuesOf('sigma') === undefined) throw new ValidationError('fixed.sigma', undefined, 'the initial scale σ > 0 (in fixed or axes)');
  const maxM = Math.max(...valuesOf('pathways')!);
  const minM = Math.min(...valuesOf('pathways')!);
  for (let a = 1; a <= MAX_PATHWAYS; a++) {
    const p = `depth${a}` as ParameterName;
    const where = axes.some((x) => x.name === p) ? `axes.${p}` : `fixed.${p}`;
    if (valuesOf(p) !== undefined && a > minM) {
      throw new ValidationError(where, valuesOf(p), `a pathway that exists at every point (M can be ${minM})`);
    }
    if (a <= maxM && valuesOf(p) === undefined && valuesOf('depth') === undefined) {
      throw new ValidationError('fixed.depth', undefined, `a depth for every pathway: give depth, or depth1 … depth${maxM}`);
    }
  }

  const measuresIn = expectArray(obj['measures'] ?? ['winnerShare'], 'measures');
  if (measuresIn.length === 0) throw new ValidationError('measures', measuresIn, 'at least one measure');
  const measures = measuresIn.map((m, i) => expectOneOf(m, `measures[${i}]`, MEASURE_NAMES));
  measures.forEach((m, i) => {
    if (measures.indexOf(m) !== i) throw new ValidationError(`measures[${i}]`, m, 'distinct measures (this one repeats)');
    const k = /^share(\d)$/.exec(m);
    if (k && Number(k[1]) > minM) {
      throw new ValidationError(`measures[${i}]`, m, `share1 … share${minM} (M can be ${minM})`);
    }
  });

  const learningFraction =
    obj['learningFraction'] === undefined ? 0.5 : expectNumber(obj['learningFraction'], 'learningFraction', { exclusiveMin: 0, max: 1 });
  const time = obj['time'] === undefined ? undefined : expectNumber(obj['time'], 'time', { exclusiveMin: 0 });
  if (engine === 'endstate') {
    if (time !== undefined) throw new ValidationError('time', time, 'nothing with engine "endstate" (it computes t → ∞)');
    const i = measures.indexOf('learningTime');
    if (i >= 0) throw new ValidationError(`measures[${i}]`, 'learningTime', 'measures with a time axis need engine "reduced" or "network"');
  }

  let solver: SolverSpec | undefined;
  if (obj['solver'] !== undefined) {
    const s = expectRecord(obj['solver'], 'solver', 'an object { method?, rtol?, atol?, maxSteps? }');
    rejectUnknownKeys(s, ['method', 'rtol', 'atol', 'maxSteps'], 'solver');
    solver = {
      ...(s['method'] === undefined ? {} : { method: expectOneOf(s['method'], 'solver.method', METHODS) }),
      ...(s['rtol'] === undefined ? {} : { rtol: expectNumber(s['rtol'], 'solver.rtol', { min: 1e-15, max: 1 }) }),
      ...(s['atol'] === undefined ? {} : { atol: expectNumber(s['atol'], 'solver.atol', { exclusiveMin: 0 }) }),
      ...(s['maxSteps'] === undefined ? {} : { maxSteps: expectNumber(s['maxSteps'], 'solver.maxSteps', { integer: true, min: 1 }) }),
    };
  }
  const network = obj['network'] === undefined ? undefined : parseNetworkOptions(obj['network'], engine, time);
  if (engine === 'network' && network?.['train'] === undefined && time === undefined) {
    throw new ValidationError('time', undefined, 'an end time of gradient flow (or network.train) with engine "network"');
  }

  const spec: SweepSpec = {
    name,
    engine,
    seed,
    seeds,
    fixed,
    axes,
    measures,
    learningFraction,
    ...(time === undefined ? {} : { time }),
    ...(solver === undefined ? {} : { solver }),
    ...(network === undefined ? {} : { network }),
  };
  const plots = obj['plots'] === undefined ? undefined : parsePlots(obj['plots'], spec);
  return plots === undefined ? spec : { ...spec, plots };
}

/**
 * Options of the `network` engine: `train` (the `dln simulate` train object, e.g. gradient descent with a
 * learning rate; default gradient flow to `time`), `init` ("gaussian" or "orthogonal"), `nonlinearity`.
 * The train object is checked by the simulator itself.
 */
function parseNetworkOptions(value: unknown, engine: EngineName, time: number | undefined): Record<string, unknown> {
  const obj = expectRecord(value, 'network', 'an object { train?, init?, nonlinearity? }');
  if (engine !== 'network') throw new ValidationError('network', value, 'nothing unless engine is "network"');
  rejectUnknownKeys(obj, ['train', 'init', 'nonlinearity'], 'network');
  if (obj['train'] !== undefined) {
    expectRecord(obj['train'], 'network.train', 'a dln simulate train object, e.g. { "method": "gd", "learningRate", "steps", "recordEvery" }');
    if (time !== undefined) throw new ValidationError('time', time, 'nothing when network.train is given (it sets the time)');
  }
  if (obj['init'] !== undefined) expectOneOf(obj['init'], 'network.init', ['gaussian', 'orthogonal']);
  if (obj['nonlinearity'] !== undefined) expectOneOf(obj['nonlinearity'], 'network.nonlinearity', ['linear', 'relu', 'tanh']);
  return { ...obj };
}

/** Names of the measure columns a spec produces (`strengths` expands to one column per pathway). */
export function measureColumns(spec: Pick<SweepSpec, 'measures' | 'axes' | 'fixed'>): string[] {
  const M = Math.max(...(spec.axes.find((a) => a.name === 'pathways')?.values ?? [spec.fixed.pathways ?? DEFAULTS.pathways!]));
  return spec.measures.flatMap((m) => (m === 'strengths' ? Array.from({ length: M }, (_, a) => `strength${a + 1}`) : [m]));
}

function parsePlots(value: unknown, spec: SweepSpec): PlotSpec[] {
  const columns = measureColumns(spec);
  const axisNames = spec.axes.map((a) => a.name as string);
  return expectArray(value, 'plots').map((item, i) => {
    const f = `plots[${i}]`;
    const o = expectRecord(item, f, 'an object { kind, measure, x, y?, series?, facet?, title?, file? }');
    rejectUnknownKeys(o, ['kind', 'measure', 'x', 'y', 'series', 'facet', 'title', 'file'], f);
    const kind = expectOneOf(o['kind'], `${f}.kind`, ['heatmap', 'line'] as const);
    const measure = expectOneOf(o['measure'], `${f}.measure`, columns);
    const axis = (key: string): ParameterName | undefined =>
      o[key] === undefined ? undefined : (expectOneOf(o[key], `${f}.${key}`, axisNames) as ParameterName);
    const x = axis('x');
    if (x === undefined) throw new ValidationError(`${f}.x`, undefined, `one of the axes: ${axisNames.join(', ')}`);
    const y = axis('y');
    if (kind === 'heatmap' && y === undefined) throw new ValidationError(`${f}.y`, undefined, `one of the axes: ${axisNames.join(', ')}`);
    const series = axis('series');
    const facet = axis('facet');
    for (const key of ['title', 'file'] as const) {
      if (o[key] !== undefined && (typeof o[key] !== 'string' || (key === 'file' && !/^[A-Za-z0-9._-]{1,80}$/.test(o[key] as string)))) {
        throw new ValidationError(`${f}.${key}`, o[key], key === 'file' ? 'a file name stem of letters, digits, ".", "_" or "-"' : 'a string');
      }
    }
    return {
      kind,
      measure,
      x,
      ...(y === undefined ? {} : { y }),
      ...(series === undefined ? {} : { series }),
      ...(facet === undefined ? {} : { facet }),
      ...(o['title'] === undefined ? {} : { title: o['title'] as string }),
      ...(o['file'] === undefined ? {} : { file: o['file'] as string }),
    };
  });
}

/**
 * The spec in its JSON input form (axes as explicit value lists): parseSweepSpec(specToJson(s)) equals s.
 * This is what output directories store, so a resumed or merged run can re-validate it.
 */
export function specToJson(spec: SweepSpec): Record<string, unknown> {
  const { axes, ...rest } = spec;
  return { ...rest, axes: Object.fromEntries(axes.map((a) => [a.name, [...a.values]])) };
}
