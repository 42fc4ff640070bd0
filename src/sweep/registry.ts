/**
 * The sweep's open lists: engines, parameters and measures are registered here, each by the module that owns
 * it (src/sweep/engines/<engine>.ts, src/sweep/parameters.ts, src/sweep/measure.ts, imported by
 * src/sweep/builtins.ts; a new model's engine is one more file under src/sweep/engines/, and code outside the
 * package may register too). The spec validator, the error messages' lists of allowed values, the plots'
 * titles and the reference tables of docs/sweeps.md all read these registries, so a new engine, parameter or
 * measure is a `register…` call, not an edit of a union or a switch.
 *
 * This module holds no registrations itself and imports no model code: registering is cheap, and an engine's
 * implementation is loaded only when a sweep runs it (`load`).
 *
 * Worker threads start from a fresh module graph: they import the built-ins, then every `module` URL given
 * in a registration (so an engine registered by a model folder runs on workers too).
 */
import { ValidationError } from '../util/errors.ts';
import type { NumberRule } from '../util/validation.ts';
import type { EngineOutcome, EngineSettings } from './engine-types.ts';
import type { PointParameters } from './points.ts';
import type { SweepSpec } from './spec.ts';

export type { EngineOutcome, EngineSettings } from './engine-types.ts';

/** A loaded engine: from a point's parameters to the pathways' final strengths (and a learning time). */
export interface SweepEngine {
  readonly name: string;
  run(params: PointParameters, settings: EngineSettings): EngineOutcome | Promise<EngineOutcome>;
}

/** What parse hands an engine's own options field. */
export interface EngineOptionsContext {
  /** The spec's `time`, parsed (undefined: none given). */
  readonly time: number | undefined;
}

/** The spec as parsed so far (everything but the plots), for the registrations' cross-field checks. */
export type ParsedSweepSpec = Omit<SweepSpec, 'plots'>;

export interface SweepEngineRegistration {
  /** The spec's `engine` value. */
  readonly name: string;
  /** One sentence for the reference table of docs/sweeps.md. */
  readonly description: string;
  /** Whether the engine has a time axis: a spec `time`, and measures such as `learningTime`. */
  readonly timeAxis: boolean;
  /**
   * Points can run for seconds (e.g. a simulated network): the runner's auto choice then runs them on
   * worker threads from the first point, since a point running on the main thread holds off SIGTERM/SIGINT.
   */
  readonly longPoints?: boolean;
  /** Loads the implementation (dynamic imports of its model code go in here); called once per thread. */
  load(): Promise<SweepEngine>;
  /** A top-level spec field holding this engine's own options (e.g. `network`); refused with other engines. */
  readonly options?: {
    readonly field: string;
    /** Checks the field's value (throwing ValidationError) and returns what the spec stores. */
    parse(value: unknown, context: EngineOptionsContext): Readonly<Record<string, unknown>>;
  };
  /** Cross-field checks once the spec is parsed (e.g. a field this engine needs or refuses); throw ValidationError. */
  check?(spec: ParsedSweepSpec): void;
  /** URL of the registering module (its import.meta.url), imported by worker threads; built-ins leave it out. */
  readonly module?: string;
  /**
   * false: the engine's points have no pathways of given depths (a gated graph, a two-layer network), so the
   * depth parameters are not required — and refused if given. Default true.
   */
  readonly readsDepths?: boolean;
}

/** Parameters listed together (in messages and docs) under one label, e.g. depth1 … depth9. */
export interface RegistryGroup {
  readonly label: string;
  readonly meaning: string;
  readonly allowed?: string;
}

/** What a parameter's `check` sees: every parameter's values over the grid (axis, fixed or default). */
export interface ParameterContext {
  /** The values a parameter takes at the points (one for fixed or default; undefined: not given, no default). */
  valuesOf(name: string): readonly number[] | undefined;
  /** Where a parameter's values come from in the spec: `axes.<name>` or `fixed.<name>`. */
  fieldOf(name: string): string;
  /** The spec's engine. */
  readonly engine: SweepEngineRegistration;
}

/** One value of a choice parameter: its text (CSV cells, plot labels, point seeds) and the value the spec gave. */
export interface SweepChoice {
  readonly label: string;
  /** The spec entry in canonical JSON form (what specToJson writes back). */
  readonly value: unknown;
}

/**
 * A parameter whose values are not numbers but named choices (a learning rule): in a spec each entry is read by
 * `parse`, and on the grid the coordinate is the entry's position in the spec's list, so points, seeds and
 * records stay numeric. Labels are what a reader sees (results.csv, plots) and what a point's seed hashes.
 */
export interface ParameterChoices {
  /** Reads one entry of `fixed.<name>` or `axes.<name>`; throws a ValidationError naming `field`. */
  parse(value: unknown, field: string): SweepChoice;
  /** What an entry may be, for messages and docs. */
  readonly allowed: string;
}

export interface SweepParameterRegistration {
  readonly name: string;
  /** What a value must be (checked on every fixed value and axis value; unused by a choice parameter). */
  readonly rule: NumberRule;
  /** Named choices instead of numbers (axes are then lists, never grids). */
  readonly choices?: ParameterChoices;
  /** The engines that read this parameter; a spec giving it with another engine is refused (absent: every engine). */
  readonly engines?: readonly string[];
  /** The reference table's meaning column. */
  readonly meaning: string;
  /** Used at points where the parameter is neither fixed nor an axis. */
  readonly default?: number;
  /** Without a default: the `allowed` text of the error when the spec does not give it (absent: optional). */
  readonly required?: string;
  /** Axis title in plots, e.g. "initial scale σ". */
  readonly title?: string;
  /** Symbol in panel labels, e.g. "σ". */
  readonly symbol?: string;
  /** Line plots over this parameter use a log x axis when its values span a factor ≥ 10. */
  readonly logAxis?: boolean;
  readonly group?: RegistryGroup;
  /** Cross-parameter checks; throw ValidationError. */
  check?(context: ParameterContext): void;
  readonly module?: string;
}

/** What a measure computes from: the point, the engine's outcome and the pathways' shares of the final strength. */
export interface MeasureInput {
  readonly params: PointParameters;
  readonly outcome: EngineOutcome;
  /** K_a / Σ_b K_b (NaN when the total is 0). */
  readonly shares: readonly number[];
}

export interface MeasureContext {
  /** Where the measure is named in the spec, e.g. `measures[2]`. */
  readonly field: string;
  /** Smallest and largest number of pathways over the grid. */
  readonly minPathways: number;
  readonly maxPathways: number;
}

export interface SweepMeasureRegistration {
  readonly name: string;
  /** The reference table's meaning column. */
  readonly meaning: string;
  /** Output columns (default: one, named as the measure), in order; text for the docs in `columnsText`. */
  columns?(maxPathways: number): readonly string[];
  readonly columnsText?: string;
  /** Whether a result column belongs to this measure (default: column === name). */
  ownsColumn?(column: string): boolean;
  /** Values by column; anything not a finite number is recorded as null. */
  compute(input: MeasureInput): Readonly<Record<string, number | null | undefined>>;
  /** Needs an engine with a time axis. */
  readonly timeAxis?: boolean;
  /** Checks against the spec (e.g. a pathway that exists); throw ValidationError. */
  check?(context: MeasureContext): void;
  /** Plot title of a column. */
  title?(column: string): string;
  /**
   * Values span decades (a learning time): heat maps use a log colour scale and line plots a log y axis,
   * when every value shown is > 0 and they span a factor ≥ 10.
   */
  readonly logScale?: boolean;
  /** Bands are clipped to this range (a share's t-interval may poke out of [0, 1]). */
  readonly clip?: readonly [number, number];
  /** Fixed heat-map colour domain, so diagrams of different sweeps compare. */
  colourDomain?(maxPathways: number): readonly [number, number];
  readonly group?: RegistryGroup;
  readonly module?: string;
}

interface Named {
  readonly name: string;
  readonly group?: RegistryGroup;
  readonly module?: string;
}

/** One registry: registrations in order, and a live list of their names. */
class Registry<T extends Named> {
  private readonly byName = new Map<string, T>();
  /** Live: registering and unregistering update it in place. */
  readonly names: string[] = [];
  constructor(private readonly kind: string) {}

  add(entry: T): () => void {
    if (typeof entry.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(entry.name)) {
      throw new TypeError(`register sweep ${this.kind}: name ${JSON.stringify(entry.name)} must be 1–40 letters, digits or _, starting with a letter`);
    }
    if (this.byName.has(entry.name)) throw new TypeError(`register sweep ${this.kind}: "${entry.name}" is already registered`);
    this.byName.set(entry.name, entry);
    this.names.push(entry.name);
    return () => {
      if (this.byName.get(entry.name) !== entry) return;
      this.byName.delete(entry.name);
      this.names.splice(this.names.indexOf(entry.name), 1);
    };
  }

  get(name: string): T | undefined {
    return this.byName.get(name);
  }

  all(): T[] {
    return this.names.map((n) => this.byName.get(n)!);
  }

  /** Names as messages list them: a group once, under its label. */
  listed(): string[] {
    const out: string[] = [];
    for (const entry of this.all()) {
      const label = entry.group?.label ?? entry.name;
      if (!out.includes(label)) out.push(label);
    }
    return out;
  }
}

const engines = new Registry<SweepEngineRegistration>('engine');
const parameters = new Registry<SweepParameterRegistration>('parameter');
const measures = new Registry<SweepMeasureRegistration>('measure');
/** Live: parameter defaults by name. */
const defaults: Record<string, number> = {};

/** Registers an engine; returns a function that removes it again (for tests). */
export function registerSweepEngine(registration: SweepEngineRegistration): () => void {
  const field = registration.options?.field;
  if (field !== undefined && engines.all().some((e) => e.options?.field === field && e.name !== registration.name)) {
    throw new TypeError(`register sweep engine: options field "${field}" belongs to another engine`);
  }
  return engines.add(registration);
}

/** Registers a parameter; returns a function that removes it again (for tests). */
export function registerSweepParameter(registration: SweepParameterRegistration): () => void {
  const remove = parameters.add(registration);
  if (registration.default !== undefined) defaults[registration.name] = registration.default;
  return () => {
    remove();
    if (parameters.get(registration.name) === undefined) delete defaults[registration.name];
  };
}

/** Registers a measure; returns a function that removes it again (for tests). */
export function registerSweepMeasure(registration: SweepMeasureRegistration): () => void {
  return measures.add(registration);
}

export function sweepEngines(): readonly SweepEngineRegistration[] {
  return engines.all();
}
export function sweepParameters(): readonly SweepParameterRegistration[] {
  return parameters.all();
}
export function sweepMeasures(): readonly SweepMeasureRegistration[] {
  return measures.all();
}

/** Live lists of the registered names (registration order). */
export const engineNames: readonly string[] = engines.names;
export const parameterNames: readonly string[] = parameters.names;
export const measureNames: readonly string[] = measures.names;
export const parameterDefaults: Readonly<Record<string, number>> = defaults;

const quoted = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ');

/** The engine of that name; a ValidationError at `field` listing the registered ones if there is none. */
export function sweepEngine(name: unknown, field = 'engine'): SweepEngineRegistration {
  const entry = typeof name === 'string' ? engines.get(name) : undefined;
  if (entry === undefined) throw new ValidationError(field, name, `one of ${quoted(engines.names)}`);
  return entry;
}

export function sweepParameter(name: unknown, field: string, value?: unknown): SweepParameterRegistration {
  const entry = typeof name === 'string' ? parameters.get(name) : undefined;
  if (entry === undefined) throw new ValidationError(field, value, `no such parameter; known: ${parameters.listed().join(', ')}`);
  return entry;
}

export function sweepMeasure(name: unknown, field: string): SweepMeasureRegistration {
  const entry = typeof name === 'string' ? measures.get(name) : undefined;
  if (entry === undefined) throw new ValidationError(field, name, `one of ${quoted(measures.names)}`);
  return entry;
}

/** The measure a result column belongs to (undefined for a column no registered measure claims). */
export function measureOfColumn(column: string): SweepMeasureRegistration | undefined {
  return measures.all().find((m) => (m.ownsColumn ? m.ownsColumn(column) : m.name === column));
}

/** The parameters' names as messages list them (a group once, e.g. `depth1 … depth9`). */
export function listedParameters(): string[] {
  return parameters.listed();
}

/** Engines with a time axis, as an error message names them: `engine "reduced" or "network"`. */
export function timeAxisEnginesText(): string {
  const names = engines.all().filter((e) => e.timeAxis).map((e) => `"${e.name}"`);
  if (names.length === 0) return 'an engine with a time axis (none is registered)';
  return `engine ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`}`;
}

/** The registering modules that worker threads must import (registrations outside the built-ins). */
export function registrationModules(): string[] {
  const urls = [...engines.all(), ...parameters.all(), ...measures.all()].flatMap((r) => (r.module === undefined ? [] : [r.module]));
  return [...new Set(urls)];
}

/**
 * An engine's own options as the spec stores them (under its `options.field`): the run settings an engine
 * receives are the whole parsed spec, so an engine registered outside the built-ins reads its field here.
 */
export function engineOptions(settings: EngineSettings, field: string): Readonly<Record<string, unknown>> | undefined {
  const value = (settings as unknown as Readonly<Record<string, unknown>>)[field];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Readonly<Record<string, unknown>>) : undefined;
}
