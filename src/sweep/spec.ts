/**
 * Sweep specs (DESIGN §4): a declarative grid of points — axes over the registered parameters (depths, σ,
 * width N, target S, number of pathways M built in) — each run for several seeds by one registered engine,
 * with the registered measures to record. Validated at the boundary: every error names the field, the value
 * and what is allowed, the allowed names coming from the registries (src/sweep/registry.ts).
 */
import type { SolverSpec } from '../reduced/types.ts';
// The sweep's solver reaches solveReduced, so it takes the same measured rtol range (the atol bound needs
// each point's S/λ and is checked there).
import { METHODS, RTOL_RANGE } from '../reduced/problem.ts';
import {
  ValidationError,
  expectArray,
  expectNumber,
  expectOneOf,
  expectRecord,
  isRecord,
  rejectUnknownKeys,
  type NumberRule,
} from '../util/validation.ts';
import './builtins.ts';
import {
  engineNames,
  measureNames,
  parameterDefaults,
  parameterNames,
  sweepEngine,
  sweepEngines,
  sweepMeasure,
  sweepParameter,
  sweepParameters,
  timeAxisEnginesText,
  type SweepChoice,
  type SweepParameterRegistration,
} from './registry.ts';

export { MAX_PATHWAYS } from './parameters.ts';

/** An engine's name: any registered one (src/sweep/registry.ts), checked when a spec is parsed. */
export type EngineName = string;
/** A parameter's name: any registered one (pathways, depth, depth1 … depth9, sigma, width, target, tau built in). */
export type ParameterName = string;
/** A measure's name: any registered one. */
export type MeasureName = string;

/** The registered engines' names (a live list: it grows as engines register). */
export const ENGINES: readonly EngineName[] = engineNames;
/** The registered parameters' names (live). `depthK` (K = 1 … 9) overrides `depth` for pathway K (1-based, as in the papers). */
export const PARAMETERS: readonly ParameterName[] = parameterNames;
/** The registered measures' names (live). */
export const MEASURE_NAMES: readonly MeasureName[] = measureNames;
/** Defaults for parameters that are neither fixed nor an axis (live). σ and a depth have none: they must be given. */
export const DEFAULTS: Readonly<Partial<Record<ParameterName, number>>> = parameterDefaults;

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
  /**
   * The entries of choice parameters (e.g. a learning rule), by parameter: the coordinate (or fixed value) of
   * such a parameter is the position of its entry here. Absent when the spec has no choice parameter.
   */
  readonly choices?: Readonly<Record<ParameterName, readonly SweepChoice[]>>;
  readonly plots?: readonly PlotSpec[];
}

const FIELDS_BEFORE_OPTIONS = [
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
] as const;

/** The spec's fields: the common ones, the registered engines' options fields (e.g. `network`), `plots`. */
function topKeys(): string[] {
  return [...FIELDS_BEFORE_OPTIONS, ...sweepEngines().flatMap((e) => (e.options === undefined ? [] : [e.options.field])), 'plots'];
}

/** Axis values: an explicit list, or a generated grid `{ "from", "to", "count", "scale": "linear" | "log" }`. */
function parseAxisValues(value: unknown, field: string, rule: NumberRule): number[] {
  const allowed = 'an array of numbers, or { "from", "to", "count", "scale": "linear" | "log" }';
  let values: number[];
  // Snapshots (expectArray/expectRecord): holes are named, and a Proxy or getter is read once, guarded.
  if (Array.isArray(value)) {
    values = expectArray(value, field).map((v, i) => expectNumber(v, `${field}[${i}]`, rule));
  } else if (isRecord(value)) {
    const grid = expectRecord(value, field);
    rejectUnknownKeys(grid, ['from', 'to', 'count', 'scale'], field);
    const scale = grid['scale'] === undefined ? 'linear' : expectOneOf(grid['scale'], `${field}.scale`, ['linear', 'log']);
    const count = expectNumber(grid['count'], `${field}.count`, { integer: true, min: 1, max: 10_000 });
    const from = expectNumber(grid['from'], `${field}.from`, rule);
    const to = expectNumber(grid['to'], `${field}.to`, rule);
    if (scale === 'log' && !(from > 0 && to > 0)) {
      throw new ValidationError(`${field}.from`, from, 'positive ends for a log scale');
    }
    values = Array.from({ length: count }, (_, i) => {
      if (count === 1) return from;
      const f = i / (count - 1);
      // Inner grid values (log or linear) are stored rounded to 12 significant digits so that values print and re-read identically.
      // In log space and as a weighted mean: to/from and to − from overflow for ends near ±1e308.
      const v = scale === 'log' ? Math.exp((1 - f) * Math.log(from) + f * Math.log(to)) : (1 - f) * from + f * to;
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

/** A choice parameter's axis: a list of entries, each read by the parameter, with distinct labels. */
function parseAxisChoices(value: unknown, field: string, p: SweepParameterRegistration): SweepChoice[] {
  if (!Array.isArray(value)) throw new ValidationError(field, value, `a list of ${p.choices!.allowed}`);
  const list = expectArray(value, field).map((v, i) => p.choices!.parse(v, `${field}[${i}]`));
  if (list.length === 0) throw new ValidationError(field, value, 'at least one value');
  const seen = new Set<string>();
  list.forEach((c, i) => {
    if (seen.has(c.label)) throw new ValidationError(`${field}[${i}]`, c.value, `distinct values (this one repeats ${c.label})`);
    seen.add(c.label);
  });
  return list;
}

/** Checks every field of a sweep spec; throws a ValidationError naming the first bad one. */
export function parseSweepSpec(input: unknown): SweepSpec {
  const obj = expectRecord(input, 'spec', 'a JSON object with engine, fixed, axes and measures');
  rejectUnknownKeys(obj, topKeys(), '');

  const name = obj['name'] === undefined ? 'sweep' : obj['name'];
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,80}$/.test(name)) {
    throw new ValidationError('name', name, 'a string of 1–80 letters, digits, ".", "_" or "-"');
  }
  if (obj['description'] !== undefined && typeof obj['description'] !== 'string') {
    throw new ValidationError('description', obj['description'], 'a string');
  }
  const engineEntry = sweepEngine(obj['engine'], 'engine');
  const engine = engineEntry.name;
  const seed = obj['seed'] === undefined ? 1 : expectNumber(obj['seed'], 'seed', { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  const seeds = obj['seeds'] === undefined ? 1 : expectNumber(obj['seeds'], 'seeds', { integer: true, min: 1, max: 100_000 });

  const fixedIn = obj['fixed'] === undefined ? {} : expectRecord(obj['fixed'], 'fixed', 'an object { parameter: value }');
  const fixed: Partial<Record<ParameterName, number>> = {};
  const choices: Record<ParameterName, readonly SweepChoice[]> = {};
  const given: { param: SweepParameterRegistration; field: string; value: unknown }[] = [];
  for (const [key, value] of Object.entries(fixedIn)) {
    const p = sweepParameter(key, `fixed.${key}`, value);
    given.push({ param: p, field: `fixed.${key}`, value });
    if (p.choices !== undefined) {
      choices[p.name] = [p.choices.parse(value, `fixed.${key}`)];
      fixed[p.name] = 0;
    } else fixed[p.name] = expectNumber(value, `fixed.${key}`, p.rule);
  }

  const axesIn = expectRecord(obj['axes'], 'axes', 'an object { parameter: values } with at least one axis');
  const axes: Axis[] = [];
  for (const [key, value] of Object.entries(axesIn)) {
    const p = sweepParameter(key, `axes.${key}`, value);
    if (fixed[p.name] !== undefined) {
      throw new ValidationError(`axes.${key}`, value, `a parameter that is not also in fixed (fixed.${key} = ${fixed[p.name]})`);
    }
    given.push({ param: p, field: `axes.${key}`, value });
    if (p.choices !== undefined) {
      const list = parseAxisChoices(value, `axes.${key}`, p);
      choices[p.name] = list;
      axes.push({ name: p.name, values: list.map((_, i) => i) });
    } else axes.push({ name: p.name, values: parseAxisValues(value, `axes.${key}`, p.rule) });
  }
  if (axes.length === 0) throw new ValidationError('axes', axesIn, 'at least one axis');
  for (const { param, field, value } of given) {
    if (param.engines !== undefined && !param.engines.includes(engine)) {
      throw new ValidationError(field, value, `nothing with engine "${engine}" (${param.name} is read by engine ${param.engines.map((e) => `"${e}"`).join(' or ')})`);
    }
  }

  const valuesOf = (p: ParameterName): readonly number[] | undefined => {
    const axis = axes.find((a) => a.name === p);
    if (axis) return axis.values;
    const v = fixed[p] ?? DEFAULTS[p];
    return v === undefined ? undefined : [v];
  };
  const fieldOf = (p: ParameterName): string => (axes.some((x) => x.name === p) ? `axes.${p}` : `fixed.${p}`);
  for (const p of sweepParameters()) {
    if (p.required !== undefined && valuesOf(p.name) === undefined) throw new ValidationError(`fixed.${p.name}`, undefined, p.required);
  }
  for (const p of sweepParameters()) p.check?.({ valuesOf, fieldOf, engine: engineEntry });
  const pathways = valuesOf('pathways') ?? [1];
  const minM = Math.min(...pathways);
  const maxM = Math.max(...pathways);

  const measuresIn = expectArray(obj['measures'] ?? ['winnerShare'], 'measures');
  if (measuresIn.length === 0) throw new ValidationError('measures', measuresIn, 'at least one measure');
  const measureEntries = measuresIn.map((m, i) => sweepMeasure(m, `measures[${i}]`));
  const measures = measureEntries.map((m) => m.name);
  measureEntries.forEach((m, i) => {
    if (measures.indexOf(m.name) !== i) throw new ValidationError(`measures[${i}]`, m.name, 'distinct measures (this one repeats)');
    m.check?.({ field: `measures[${i}]`, minPathways: minM, maxPathways: maxM });
  });

  const learningFraction =
    obj['learningFraction'] === undefined ? 0.5 : expectNumber(obj['learningFraction'], 'learningFraction', { exclusiveMin: 0, max: 1 });
  const time = obj['time'] === undefined ? undefined : expectNumber(obj['time'], 'time', { exclusiveMin: 0 });

  let solver: SolverSpec | undefined;
  if (obj['solver'] !== undefined) {
    const s = expectRecord(obj['solver'], 'solver', 'an object { method?, rtol?, atol?, maxSteps? }');
    rejectUnknownKeys(s, ['method', 'rtol', 'atol', 'maxSteps'], 'solver');
    solver = {
      ...(s['method'] === undefined ? {} : { method: expectOneOf(s['method'], 'solver.method', METHODS) }),
      ...(s['rtol'] === undefined ? {} : { rtol: expectNumber(s['rtol'], 'solver.rtol', RTOL_RANGE) }),
      ...(s['atol'] === undefined ? {} : { atol: expectNumber(s['atol'], 'solver.atol', { exclusiveMin: 0 }) }),
      ...(s['maxSteps'] === undefined ? {} : { maxSteps: expectNumber(s['maxSteps'], 'solver.maxSteps', { integer: true, min: 1 }) }),
    };
  }
  // Engines' own options fields (e.g. `network`), each refused unless its engine runs.
  const options: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const owner of sweepEngines()) {
    const field = owner.options?.field;
    if (field === undefined || obj[field] === undefined) continue;
    if (owner !== engineEntry) throw new ValidationError(field, obj[field], `nothing unless engine is "${owner.name}"`);
    options[field] = owner.options!.parse(obj[field], { time });
  }

  const spec = {
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
    ...options,
    ...(Object.keys(choices).length === 0 ? {} : { choices }),
  } as SweepSpec;
  engineEntry.check?.(spec);
  if (!engineEntry.timeAxis) {
    if (time !== undefined) throw new ValidationError('time', time, `nothing with engine "${engine}" (it has no time axis)`);
    const i = measureEntries.findIndex((m) => m.timeAxis === true);
    if (i >= 0) throw new ValidationError(`measures[${i}]`, measures[i], `measures with a time axis need ${timeAxisEnginesText()}`);
  }
  const plots = obj['plots'] === undefined ? undefined : parsePlots(obj['plots'], spec);
  return plots === undefined ? spec : { ...spec, plots };
}

/** Largest number of pathways over a spec's grid. */
export function maxPathways(spec: Pick<SweepSpec, 'axes' | 'fixed'>): number {
  return Math.max(...(spec.axes.find((a) => a.name === 'pathways')?.values ?? [spec.fixed['pathways'] ?? DEFAULTS['pathways'] ?? 1]));
}

/** Names of the measure columns a spec produces, in order (`strengths` expands to one column per pathway). */
export function measureColumns(spec: Pick<SweepSpec, 'measures' | 'axes' | 'fixed'>): string[] {
  const M = maxPathways(spec);
  return spec.measures.flatMap((m) => {
    const entry = sweepMeasure(m, 'measure');
    return entry.columns === undefined ? [m] : [...entry.columns(M)];
  });
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
  const { axes, choices, ...rest } = spec;
  const entries = (p: ParameterName): readonly unknown[] | undefined => choices?.[p]?.map((c) => c.value);
  const out: Record<string, unknown> = { ...rest, axes: Object.fromEntries(axes.map((a) => [a.name, entries(a.name) ?? [...a.values]])) };
  // A fixed choice goes back as its entry, in the place `fixed` has (so the JSON of a spec without choices is unchanged).
  if (choices !== undefined) out['fixed'] = Object.fromEntries(Object.entries(spec.fixed).map(([k, v]) => [k, entries(k)?.[0] ?? v]));
  return out;
}

/** How a coordinate (or fixed value) of a parameter reads: its choice's label, or the number. */
export function coordinateText(spec: Pick<SweepSpec, 'choices'>, p: ParameterName, value: number): string {
  return spec.choices?.[p]?.[value]?.label ?? String(value);
}
