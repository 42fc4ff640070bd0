/**
 * The points of a sweep: the grid of axis values (first axis slowest) times the seeds, in one canonical order,
 * each with its own seed derived from the sweep seed and its coordinates — so a point's result never depends
 * on sharding, order or thread count.
 */
import { parameterNames } from './registry.ts';
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

export function pointAt(spec: Pick<SweepSpec, 'axes' | 'seeds' | 'seed'>, index: number): SweepPoint {
  const cell = Math.floor(index / spec.seeds);
  const replicate = index % spec.seeds;
  const coords = cellCoordinates(spec, cell);
  return { index, cell, replicate, coords, seed: pointSeed(spec.seed, coords, replicate) };
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
export function pointSeed(sweepSeed: number, coords: Coordinates, replicate: number): number {
  const text =
    `${sweepSeed}|` +
    Object.keys(coords)
      .sort()
      .map((k) => `${k}=${coords[k]}`)
      .join(',') +
    `|${replicate}`;
  return hash53(text);
}

/**
 * A 53-bit string hash: two FNV-1a lanes (one over the text forwards, one backwards, with different offsets),
 * each finished with MurmurHash3's fmix32 avalanche; 21 bits of one and 32 of the other make a safe integer.
 */
export function hash53(text: string): number {
  let lo = 0x811c9dc5;
  let hi = 0x811c9dc5 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    lo = Math.imul(lo ^ text.charCodeAt(i), 0x01000193);
    hi = Math.imul(hi ^ text.charCodeAt(text.length - 1 - i), 0x01000193);
  }
  return 4294967296 * (fmix32(hi) & 0x1fffff) + fmix32(lo);
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The parameters of a point: its coordinates over the fixed values over the defaults. */
export function pointParameters(spec: Pick<SweepSpec, 'fixed'>, point: Pick<SweepPoint, 'coords' | 'seed'>): PointParameters {
  const get = (p: ParameterName): number | undefined => point.coords[p] ?? spec.fixed[p] ?? DEFAULTS[p];
  const M = get('pathways')!;
  const depths = Array.from({ length: M }, (_, a) => get(`depth${a + 1}`) ?? get('depth')!);
  const values: Record<ParameterName, number> = {};
  for (const p of parameterNames) {
    const v = get(p);
    if (v !== undefined) values[p] = v;
  }
  return { depths, sigma: get('sigma')!, width: get('width')!, target: get('target')!, tau: get('tau')!, seed: point.seed, values };
}
