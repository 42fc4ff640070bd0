/**
 * The multi-pathway network (DESIGN §2.1) and its initialisations.
 * Pathway a has D_a weight matrices; layer d maps dims[d] → dims[d+1] with dims = [n_in, N, …, N, n_out].
 * Ω_a = W_a^{D_a} ⋯ W_a^1, Ω = Σ_a Ω_a. No biases.
 */
import { createRandom, type Random } from '../util/random.ts';
import { ValidationError } from '../util/validation.ts';
import { gaussian, orthonormalColumns, transpose, zeros, type Mat } from './matrix.ts';
import type { Task } from './task.ts';

export type Nonlinearity = 'linear' | 'relu' | 'tanh';

export interface Pathway {
  readonly depth: number;
  /** [n_in, N_1, …, N_{D−1}, n_out] */
  readonly dims: readonly number[];
  /** layers[d] is dims[d+1]×dims[d]; mutated in place by training. */
  readonly layers: Mat[];
}

export interface Network {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly pathways: Pathway[];
  readonly nonlinearity: Nonlinearity;
}

export type NetworkInit =
  | { readonly kind: 'gaussian'; readonly sigma: number; readonly seed: number }
  | { readonly kind: 'orthogonal'; readonly sigma: number; readonly seed: number }
  /** layers[a][d][α] = w_adα; random orthonormal hidden frames from the seed (DESIGN §2.4). */
  | { readonly kind: 'aligned'; readonly layers: readonly (readonly (readonly number[])[])[]; readonly seed: number }
  /** Rank-r layers scaled to the Frobenius norm a Gaussian layer of the same σ has in expectation. */
  | { readonly kind: 'lowRank'; readonly sigma: number; readonly rank: number; readonly seed: number }
  /** Given weights: layers[a][d] = W_a^{d+1} (rows × cols, row-major), copied; checked against the architecture. */
  | { readonly kind: 'weights'; readonly layers: readonly (readonly Mat[])[] };

export interface Architecture {
  readonly depths: readonly number[];
  /** Hidden width N, one for all pathways or one per pathway. */
  readonly width: number | readonly number[];
  readonly nonlinearity?: Nonlinearity;
}

function pathwayDims(task: Task, depth: number, width: number): number[] {
  const dims = [task.inputDim];
  for (let d = 1; d < depth; d++) dims.push(width);
  dims.push(task.outputDim);
  return dims;
}

export function widthsOf(arch: Architecture): number[] {
  const M = arch.depths.length;
  if (typeof arch.width === 'number') return new Array<number>(M).fill(arch.width);
  if (arch.width.length !== M) {
    throw new ValidationError('width', arch.width, `one width or one per pathway (${M} pathways)`);
  }
  return [...arch.width];
}

/** Builds and initialises a network for a task. Draw order: pathway by pathway, layer by layer. */
export function createNetwork(task: Task, arch: Architecture, init: NetworkInit): Network {
  const widths = widthsOf(arch);
  const random = createRandom(init.kind === 'weights' ? 0 : init.seed);
  const pathways = arch.depths.map((depth, a): Pathway => {
    const dims = pathwayDims(task, depth, widths[a]!);
    const N = widths[a]!;
    let layers: Mat[];
    switch (init.kind) {
      case 'gaussian':
        layers = dims.slice(1).map((rows, d) => gaussian(rows, dims[d]!, init.sigma / Math.sqrt(N), random));
        break;
      case 'orthogonal':
        layers = dims.slice(1).map((rows, d) => scaledOrthogonal(rows, dims[d]!, init.sigma, random));
        break;
      case 'lowRank':
        layers = dims.slice(1).map((rows, d) => lowRank(rows, dims[d]!, init.rank, (init.sigma / Math.sqrt(N)) * Math.sqrt(rows * dims[d]!), random));
        break;
      case 'weights':
        layers = givenLayers(init.layers, a, dims);
        break;
      case 'aligned':
        layers = alignedLayers(task, dims, alignedValues(init.layers, a, depth, task.singularValues.length), random, a);
        break;
      default:
        throw new ValidationError('init.kind', (init as { kind?: unknown }).kind, 'one of "gaussian", "orthogonal", "aligned", "lowRank", "weights"');
    }
    return { depth, dims, layers };
  });
  return { inputDim: task.inputDim, outputDim: task.outputDim, pathways, nonlinearity: arch.nonlinearity ?? 'linear' };
}

/** Copies of given weights for pathway a, each checked against the layer's shape dims[d+1] × dims[d]. */
function givenLayers(layers: readonly (readonly Mat[])[], a: number, dims: readonly number[]): Mat[] {
  const given = layers[a];
  if (given === undefined || given.length !== dims.length - 1) {
    throw new ValidationError(`init.layers[${a}]`, given === undefined ? undefined : `${given.length} matrices`, `${dims.length - 1} matrices (one per layer)`);
  }
  return given.map((w, d) => {
    if (w.rows !== dims[d + 1] || w.cols !== dims[d]) {
      throw new ValidationError(`init.layers[${a}][${d}]`, `${w.rows}×${w.cols}`, `a ${dims[d + 1]}×${dims[d]} matrix (layer ${d + 1} of pathway ${a + 1})`);
    }
    return { rows: w.rows, cols: w.cols, data: Float64Array.from(w.data) };
  });
}

/** init.layers[a] checked against the architecture (the spec parser checks the same for JSON input). */
function alignedValues(layers: readonly (readonly (readonly number[])[])[], a: number, depth: number, K: number): readonly (readonly number[])[] {
  const values = Array.isArray(layers) ? layers[a] : undefined;
  if (!Array.isArray(values) || values.length !== depth) {
    throw new ValidationError(`init.layers[${a}]`, values, `one entry per layer (depth ${depth})`);
  }
  values.forEach((v, d) => {
    if (!Array.isArray(v) || v.length !== K || !v.every((x) => Number.isFinite(x))) {
      throw new ValidationError(`init.layers[${a}][${d}]`, v, `${K} finite numbers (one per mode)`);
    }
  });
  return values;
}

/** σ times a matrix with orthonormal columns (tall) or rows (wide): gain σ along every direction it keeps. */
function scaledOrthogonal(rows: number, cols: number, sigma: number, random: Random): Mat {
  const q = rows >= cols ? orthonormalColumns(rows, cols, random) : transpose(orthonormalColumns(cols, rows, random));
  for (let i = 0; i < q.data.length; i++) q.data[i] *= sigma;
  return q;
}

function lowRank(rows: number, cols: number, rank: number, norm: number, random: Random): Mat {
  const r = Math.min(rank, rows, cols);
  const a = gaussian(rows, r, 1, random);
  const b = gaussian(cols, r, 1, random);
  const w = zeros(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let l = 0; l < r; l++) s += a.data[i * r + l]! * b.data[j * r + l]!;
      w.data[i * cols + j] = s;
    }
  }
  let f = 0;
  for (let i = 0; i < w.data.length; i++) f += w.data[i]! ** 2;
  const scale = norm / Math.sqrt(f);
  for (let i = 0; i < w.data.length; i++) w.data[i] *= scale;
  return w;
}

/**
 * W^1 = R^1 diag(w_1) Vᵀ, W^d = R^d diag(w_d) R^{d−1ᵀ}, W^D = U diag(w_D) R^{D−1ᵀ} (D = 1: U diag(w) Vᵀ),
 * with R^h an N×K orthonormal frame of hidden layer h.
 */
function alignedLayers(task: Task, dims: readonly number[], values: readonly (readonly number[])[], random: Random, a: number): Mat[] {
  const K = task.singularValues.length;
  const D = dims.length - 1;
  const frames: Mat[] = [task.v];
  for (let h = 1; h < D; h++) {
    if (dims[h]! < K) throw new ValidationError('width', dims[h], `an aligned initialisation needs width ≥ K = ${K} modes (pathway ${a})`);
    frames.push(orthonormalColumns(dims[h]!, K, random));
  }
  frames.push(task.u);
  const layers: Mat[] = [];
  for (let d = 0; d < D; d++) {
    const left = frames[d + 1]!;
    const right = frames[d]!;
    const w = zeros(dims[d + 1]!, dims[d]!);
    const vals = values[d]!;
    for (let i = 0; i < w.rows; i++) {
      for (let j = 0; j < w.cols; j++) {
        let s = 0;
        for (let m = 0; m < K; m++) s += left.data[i * K + m]! * vals[m]! * right.data[j * K + m]!;
        w.data[i * w.cols + j] = s;
      }
    }
    layers.push(w);
  }
  return layers;
}

/** Deep copy (training mutates layers in place). */
export function cloneNetwork(net: Network): Network {
  return {
    ...net,
    pathways: net.pathways.map((p) => ({
      ...p,
      layers: p.layers.map((l) => ({ rows: l.rows, cols: l.cols, data: Float64Array.from(l.data) })),
    })),
  };
}

/**
 * Moves every layer of the network into one flat vector θ (from `allocate`: e.g. an engine's kernel memory),
 * pathway by pathway, layer by layer, row-major, makes each layer a view into it, and returns θ.
 */
export function bindTheta(net: Network, allocate: (length: number) => Float64Array = (n) => new Float64Array(n)): Float64Array {
  const theta = allocate(parameterCount(net));
  let o = 0;
  for (const p of net.pathways) {
    p.layers.forEach((l, d) => {
      theta.set(l.data, o);
      p.layers[d] = { rows: l.rows, cols: l.cols, data: theta.subarray(o, o + l.data.length) };
      o += l.data.length;
    });
  }
  return theta;
}

/** Total number of weights (the state dimension of gradient flow). */
export function parameterCount(net: Network): number {
  let n = 0;
  for (const p of net.pathways) for (const l of p.layers) n += l.data.length;
  return n;
}
