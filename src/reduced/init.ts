/**
 * Initial conditions of the reduced model: explicit per-layer values, explicit (q, p), or a wide-Gaussian sample.
 */
import { createRandom } from '../util/random.ts';

export type Matrix = number[][];

/** (q, p) per pathway and mode: q[a][α], p[a][α]. */
export interface BalancedValues {
  readonly q: Matrix;
  readonly p: Matrix;
}

/**
 * Wide-Gaussian sample (DESIGN §2.3): q = σ, the gain of a wide random layer along a mode, and
 * p ~ N(0, σ²/N), the random overlap of the one misaligned layer with the output direction.
 * Draw order is fixed (pathway-major, then mode) so a seed means the same numbers everywhere.
 */
export function wideGaussianInit(
  sigma: number,
  width: number,
  seed: number,
  pathways: number,
  modes: number,
): BalancedValues {
  const random = createRandom(seed);
  const spread = sigma / Math.sqrt(width);
  const q: Matrix = [];
  const p: Matrix = [];
  for (let a = 0; a < pathways; a++) {
    q.push(new Array<number>(modes).fill(sigma));
    const row: number[] = [];
    for (let m = 0; m < modes; m++) row.push(spread * random.normal());
    p.push(row);
  }
  return { q, p };
}

/** Per-layer values of balanced pathways: D−1 layers at q, the last layer at p (its read-out layer). */
export function balancedToLayers(values: BalancedValues, depths: readonly number[]): number[][][] {
  return depths.map((D, a) => {
    const layers: number[][] = [];
    for (let d = 0; d < D - 1; d++) layers.push([...values.q[a]!]);
    layers.push([...values.p[a]!]);
    return layers;
  });
}

/** State vector of each mode in the balanced layout ([p, q] per pathway, [p] for depth 1). */
export function balancedStates(values: BalancedValues, depths: readonly number[], modes: number): Float64Array[] {
  // Filled directly (no per-pathway arrays): this runs on every solve.
  let dimension = 0;
  for (const D of depths) dimension += D === 1 ? 1 : 2;
  const states: Float64Array[] = [];
  for (let m = 0; m < modes; m++) {
    const state = new Float64Array(dimension);
    let o = 0;
    for (let a = 0; a < depths.length; a++) {
      state[o++] = values.p[a]![m]!;
      if (depths[a] !== 1) state[o++] = values.q[a]![m]!;
    }
    states.push(state);
  }
  return states;
}

/** State vector of each mode in the per-layer layout (layers first … last per pathway). */
export function perLayerStates(layers: readonly (readonly (readonly number[])[])[], depths: readonly number[], modes: number): Float64Array[] {
  // Filled directly, like balancedStates: per-layer problems take the clock too, and this runs on every solve.
  let dimension = 0;
  for (const D of depths) dimension += D;
  const states: Float64Array[] = [];
  for (let m = 0; m < modes; m++) {
    const state = new Float64Array(dimension);
    let o = 0;
    for (let a = 0; a < depths.length; a++) {
      const pathway = layers[a]!;
      for (let d = 0; d < depths[a]!; d++) state[o++] = pathway[d]![m]!;
    }
    states.push(state);
  }
  return states;
}
