/**
 * The points of a sweep: the grid of axis values (first axis slowest) times the seeds, in one canonical order,
 * each with its own seed derived from the sweep seed and its coordinates — so a point's result never depends
 * on sharding, order or thread count.
 */
import { hash53 } from '../util/hash.ts';
import { parameterNames, type SweepChoice } from './registry.ts';

export { hash53 };
import { DEFAULTS, type ParameterName, type SweepSpec } from './spec.ts';

/** One grid cell's coordinates, in axis order. */
export type Coordinates = Readonly<Partial<Record<ParameterName, number>>>;

export interface SweepPoint {
  /** Position in the canonical order: cell * seeds + replicate. */
  readonly index: number;
  readonly cell: number;
  /** 0 … seeds − 1 */
  readonly replicate: number;
  readonly coords: Coordinates;
  /** Seed of this point's random draws (a safe integer). */
  readonly seed: number;
}

/** Everything an engine needs at one point. */
export interface PointParameters {
  readonly depths: readonly number[];
  readonly sigma: number;
  readonly width: number;
  readonly target: number;
  readonly tau: number;
  readonly seed: number;
  /**
   * Every registered parameter's value at this point (coordinate, fixed value or default; absent when none):
   * how an engine registered by a model folder reads the parameters it registered.
   */
  readonly values?: Readonly<Record<ParameterName, number>>;
  /** The choice of each choice parameter at this point (e.g. the learning rule; absent: the spec has none). */
  readonly choices?: Readonly<Record<ParameterName, SweepChoice>>;
}

export function cellCount(spec: Pick<SweepSpec, 'axes'>): number {
  return spec.axes.reduce((n, a) => n * a.values.length, 1);
}

export function pointCount(spec: Pick<SweepSpec, 'axes' | 'seeds'>): number {
  return cellCount(spec) * spec.seeds;
}

export function cellCoordinates(spec: Pick<SweepSpec, 'axes'>, cell: number): Coordinates {
  const coords: Partial<Record<ParameterName, number>> = {};
  let rest = cell;
  for (let i = spec.axes.length - 1; i >= 0; i--) {
    const axis = spec.axes[i]!;
    coords[axis.name] = axis.values[rest % axis.values.length]!;
    rest = Math.floor(rest / axis.values.length);
  }
  // Re-insert in axis order so JSON output lists coordinates as the spec does.
  return Object.fromEntries(spec.axes.map((a) => [a.name, coords[a.name]!]));
}

export function pointAt(spec: Pick<SweepSpec, 'axes' | 'seeds' | 'seed' | 'choices'>, index: number): SweepPoint {
  const cell = Math.floor(index / spec.seeds);
  const replicate = index % spec.seeds;
  const coords = cellCoordinates(spec, cell);
  // A choice is hashed by its label, not its position in the list: reordering the list keeps each choice's seeds.
  const choices = spec.choices;
  const seedCoords =
    choices === undefined ? coords : Object.fromEntries(Object.entries(coords).map(([k, v]) => [k, choices[k]?.[v!]?.label ?? v!]));
  return { index, cell, replicate, coords, seed: pointSeed(spec.seed, seedCoords, replicate) };
}

/** Indices of shard `i` of `k` (1-based i): every k-th point, so each shard gets a fair mix of cheap and dear cells. */
export function shardIndices(total: number, shard: { readonly index: number; readonly count: number } | undefined): number[] {
  const out: number[] = [];
  const k = shard?.count ?? 1;
  const start = shard === undefined ? 0 : shard.index - 1;
  for (let j = start; j < total; j += k) out.push(j);
  return out;
}

/**
 * Seed of a point from the sweep seed, its coordinates (sorted by parameter name, so the order of axes in the
 * spec does not matter) and its replicate number: a 53-bit hash of their canonical text.
 */
export function pointSeed(sweepSeed: number, coords: Readonly<Record<ParameterName, number | string | undefined>>, replicate: number): number {
  const text =
    `${sweepSeed}|` +
    Object.keys(coords)
      .sort()
      .map((k) => `${k}=${coords[k]}`)
      .join(',') +
    `|${replicate}`;
  return hash53(text);
}

/** The parameters of a point: its coordinates over the fixed values over the defaults. */
export function pointParameters(spec: Pick<SweepSpec, 'fixed' | 'choices'>, point: Pick<SweepPoint, 'coords' | 'seed'>): PointParameters {
  const get = (p: ParameterName): number | undefined => point.coords[p] ?? spec.fixed[p] ?? DEFAULTS[p];
  const M = get('pathways')!;
  const depths = Array.from({ length: M }, (_, a) => get(`depth${a + 1}`) ?? get('depth')!);
  const values: Record<ParameterName, number> = {};
  for (const p of parameterNames) {
    const v = get(p);
    if (v !== undefined) values[p] = v;
  }
  const base = { depths, sigma: get('sigma')!, width: get('width')!, target: get('target')!, tau: get('tau')!, seed: point.seed, values };
  if (spec.choices === undefined) return base;
  const choices: Record<ParameterName, SweepChoice> = {};
  for (const [p, list] of Object.entries(spec.choices)) choices[p] = list[get(p)!]!;
  return { ...base, choices };
}
