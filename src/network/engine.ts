/**
 * Training engines: the state of a network as one flat parameter vector θ (every layer is a view into it),
 * the flow direction −∂L/∂θ, a gradient-descent step, the loss and the read-out K_a = Uᵀ Ω_a V.
 *
 * Linear pathways use thin products (DESIGN §3.2): with P^d = W^{d−1}⋯W^1 (prefix, N×n_in, P^0 = I) and
 * Q^d = W^D⋯W^d (suffix, n_out×N, Q^{D} = I), the residual E = Σ^{yx} − Ω Σ^x gives
 *     −∂L/∂W^d = Q^{d+1ᵀ} E P^{dᵀ},
 * a rank-n_in outer product, so a step is O(D N² n) and never forms an N×N product.
 * Nonlinear pathways backpropagate through the dataset (O(D N² P), P samples).
 */
import { kernelsFor, type Kernels } from './kernels.ts';
import { Arena, MAX_ARENA_DOUBLES, arenaSize, fromPanelTransposed, toPanel, wasmKernels, type WasmKernels } from './wasm.ts';
import { mulInto, transposeMulInto, zeros, type Mat } from './matrix.ts';
import type { Network } from './network.ts';
import type { Task } from './task.ts';

export interface Engine {
  readonly network: Network;
  readonly task: Task;
  /** All weights, pathway by pathway, layer by layer, row-major; the network's layers are views into it. */
  readonly theta: Float64Array;
  /** Recomputes cached products after θ was changed from outside (e.g. by an integrator). */
  refresh(): void;
  /** out = −∂L/∂θ (the gradient-flow velocity with τ = 1) at the current θ; needs a fresh state. */
  flowInto(out: Float64Array): void;
  /** θ ← θ − η ∂L/∂θ; leaves the state fresh. */
  step(eta: number): void;
  loss(): number;
  /** Ω_a (n_out×n_in) of every pathway: for nonlinear pathways, their outputs on the standard basis inputs. */
  pathwayMaps(): Mat[];
}

type Allocate = (length: number) => Float64Array;
const plainAllocate: Allocate = (length) => new Float64Array(length);

/** Moves every layer of the network into one flat vector (from `allocate`) and returns it. */
function bindTheta(net: Network, allocate: Allocate = plainAllocate): Float64Array {
  let n = 0;
  for (const p of net.pathways) for (const l of p.layers) n += l.data.length;
  const theta = allocate(n);
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

export interface EngineOptions {
  /**
   * `auto` (default): WebAssembly SIMD kernels where the thin dimension allows (n_in ≤ 16 for updates and
   * prefixes, n_out ≤ 16 for suffixes), generated JavaScript kernels elsewhere; `js`: JavaScript only.
   */
  readonly kernels?: 'auto' | 'js';
}

export function createEngine(net: Network, task: Task, options: EngineOptions = {}): Engine {
  return net.nonlinearity === 'linear' ? new LinearEngine(net, task, options) : new BackpropEngine(net, task);
}

function identityInto(m: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

interface PathwayBuffers {
  /** prefix[d] = P^d, dims[d]×n_in; two sets swapped by each step. */
  prefix: Float64Array[];
  prefixNext: Float64Array[];
  /** suffix[d] = Q^d, n_out×dims[d] for d = 1…D (suffix[D] = I). */
  suffix: Float64Array[];
  /** Q^{d+1ᵀ} E, dims[d+1]×n_in. */
  left: Float64Array[];
}

export class LinearEngine implements Engine {
  readonly network: Network;
  readonly task: Task;
  readonly theta: Float64Array;
  private readonly nIn: number;
  private readonly nOut: number;
  private readonly buffers: PathwayBuffers[];
  /** E = Σ^{yx} − Ω Σ^x, n_out×n_in */
  private readonly residual: Float64Array;
  private readonly omega: Float64Array;
  /** Kernels specialised to n_in (updates, prefixes) and n_out (suffixes). */
  private readonly inputKernels: Kernels;
  private readonly outputKernels: Kernels;
  /** SIMD kernels in the arena holding every buffer, when available (see wasm.ts). */
  private readonly wasmIn: WasmKernels | null = null;
  private readonly wasmOut: WasmKernels | null = null;
  /** Pair-panel scratch of the SIMD kernels: Bᵀ for updates, the suffix product's output. */
  private readonly panelIn: Float64Array;
  private readonly panelOut: Float64Array;

  constructor(net: Network, task: Task, options: EngineOptions = {}) {
    this.network = net;
    this.task = task;
    this.nIn = task.inputDim;
    this.nOut = task.outputDim;
    const nIn = this.nIn;
    const nOut = this.nOut;
    this.inputKernels = kernelsFor(nIn);
    this.outputKernels = kernelsFor(nOut);
    const maxDim = Math.max(...net.pathways.flatMap((p) => p.dims));
    const panelLength = (k: number): number => 2 * k * Math.ceil(maxDim / 2);
    // Every buffer the kernels touch, in allocation order, to size the arena.
    const lengths: number[] = [];
    for (const p of net.pathways) for (const l of p.layers) lengths.push(l.data.length);
    lengths.push(nIn * nIn, nOut * nOut, panelLength(nIn), panelLength(nOut));
    for (const p of net.pathways) {
      p.dims.forEach((dim) => lengths.push(2 * dim * nIn, nOut * dim, dim * nIn));
    }
    const wantWasm = (options.kernels ?? 'auto') === 'auto' && (nIn <= 16 || nOut <= 16);
    const size = arenaSize(lengths);
    const arena = wantWasm && size <= MAX_ARENA_DOUBLES ? new Arena(size) : null;
    const allocate: Allocate = arena ? (n) => arena.alloc(n) : plainAllocate;
    this.theta = bindTheta(net, allocate);
    const eyeIn = identityInto(allocate(nIn * nIn), nIn);
    const eyeOut = identityInto(allocate(nOut * nOut), nOut);
    this.panelIn = allocate(panelLength(nIn));
    this.panelOut = allocate(panelLength(nOut));
    if (arena) {
      this.wasmIn = wasmKernels(nIn, arena);
      this.wasmOut = wasmKernels(nOut, arena);
    }
    this.buffers = net.pathways.map((p) => {
      const D = p.depth;
      const prefix: Float64Array[] = [];
      const prefixNext: Float64Array[] = [];
      const suffix: Float64Array[] = [];
      const left: Float64Array[] = [];
      p.dims.forEach((dim, d) => {
        const pair = allocate(2 * dim * nIn);
        prefix.push(d === 0 ? eyeIn : pair.subarray(0, dim * nIn));
        prefixNext.push(d === 0 ? eyeIn : pair.subarray(dim * nIn));
        const suf = allocate(nOut * dim);
        suffix.push(d === D ? eyeOut : suf);
        const l = allocate(dim * nIn);
        if (d > 0) left.push(l);
      });
      return { prefix, prefixNext, suffix, left };
    });
    this.residual = new Float64Array(nOut * nIn);
    this.omega = new Float64Array(nOut * nIn);
    this.refresh();
  }

  /** Which kernels run the step: for reports and benchmarks. */
  get kernelKind(): string {
    const kind = (w: WasmKernels | null): string => (w ? 'wasm-simd' : 'js');
    return `updates/prefixes ${kind(this.wasmIn)}, suffixes ${kind(this.wasmOut)}`;
  }

  private forward(out: Float64Array, w: Mat, p: Float64Array): void {
    if (this.wasmIn) this.wasmIn.forward(out.byteOffset, w.data.byteOffset, p.byteOffset, w.rows, w.cols);
    else this.inputKernels.forward(out, w.data, p, w.rows, w.cols);
  }

  private backward(out: Float64Array, q: Float64Array, w: Mat): void {
    if (this.wasmOut) {
      this.panelOut.fill(0, 0, 2 * this.nOut * Math.ceil(w.cols / 2));
      this.wasmOut.backward(this.panelOut.byteOffset, q.byteOffset, w.data.byteOffset, w.rows, w.cols);
      fromPanelTransposed(this.panelOut, w.cols, this.nOut, out);
    } else {
      this.outputKernels.backward(out, q, w.data, w.rows, w.cols);
    }
  }

  private update(w: Mat, a: Float64Array, b: Float64Array, eta: number): void {
    if (this.wasmIn) {
      toPanel(b, w.cols, this.nIn, this.panelIn);
      this.wasmIn.update(w.data.byteOffset, a.byteOffset, this.panelIn.byteOffset, eta, w.rows, w.cols);
    } else {
      this.inputKernels.update(w.data, a, b, eta, w.rows, w.cols);
    }
  }

  refresh(): void {
    this.network.pathways.forEach((p, a) => {
      const b = this.buffers[a]!;
      for (let d = 0; d < p.depth; d++) {
        const w = p.layers[d]!;
        this.forward(b.prefix[d + 1]!, w, b.prefix[d]!);
      }
    });
    this.refreshSuffixAndResidual();
  }

  private refreshSuffixAndResidual(): void {
    const { nIn, nOut } = this;
    this.omega.fill(0);
    this.network.pathways.forEach((p, a) => {
      const b = this.buffers[a]!;
      // Q^0 is never used (no layer below the first), so the backward sweep stops at d = 1.
      for (let d = p.depth - 1; d >= 1; d--) {
        const w = p.layers[d]!;
        this.backward(b.suffix[d]!, b.suffix[d + 1]!, w);
      }
      const out = b.prefix[p.depth]!;
      for (let i = 0; i < out.length; i++) this.omega[i] += out[i]!;
    });
    const sx = this.task.sigmaX.data;
    const syx = this.task.sigmaYX.data;
    if (this.task.whitened) {
      for (let i = 0; i < this.residual.length; i++) this.residual[i] = syx[i]! - this.omega[i]!;
    } else {
      mulInto(this.residual, this.omega, sx, nOut, nIn, nIn);
      for (let i = 0; i < this.residual.length; i++) this.residual[i] = syx[i]! - this.residual[i]!;
    }
  }

  flowInto(out: Float64Array): void {
    let o = 0;
    this.network.pathways.forEach((p, a) => {
      const b = this.buffers[a]!;
      for (let d = 0; d < p.depth; d++) {
        const w = p.layers[d]!;
        const left = b.left[d]!;
        this.inputKernels.transposeLeft(left, b.suffix[d + 1]!, this.residual, this.nOut, w.rows);
        // −∂L/∂W^d = left·P^{dᵀ}: the update kernel with η = 1 on a zeroed target (out is the integrator's).
        const target = out.subarray(o, o + w.data.length);
        target.fill(0);
        this.inputKernels.update(target, left, b.prefix[d]!, 1, w.rows, w.cols);
        o += w.data.length;
      }
    });
  }

  step(eta: number): void {
    this.network.pathways.forEach((p, a) => {
      const b = this.buffers[a]!;
      for (let d = 0; d < p.depth; d++) {
        const w = p.layers[d]!;
        const left = b.left[d]!;
        this.inputKernels.transposeLeft(left, b.suffix[d + 1]!, this.residual, this.nOut, w.rows);
        // Update with the old prefix P^d(t), then form P^{d+1}(t+1) from the new P^d(t+1). (A fused single pass
        // measured slower than the two row-blocked passes.)
        this.update(w, left, b.prefix[d]!, eta);
        this.forward(b.prefixNext[d + 1]!, w, b.prefixNext[d]!);
      }
      const tmp = b.prefix;
      b.prefix = b.prefixNext;
      b.prefixNext = tmp;
    });
    this.refreshSuffixAndResidual();
  }

  loss(): number {
    return linearLoss(this.task, this.omega);
  }

  pathwayMaps(): Mat[] {
    return this.network.pathways.map((p, a) => ({
      rows: this.nOut,
      cols: this.nIn,
      data: Float64Array.from(this.buffers[a]!.prefix[p.depth]!),
    }));
  }
}

/**
 * The dataset loss (c/2) Σ_p ‖y_p − Ω x_p‖² = ½ tr(Ω Σ^x Ωᵀ) − tr(Σ^{yxᵀ} Ω) + (c/2)‖Y‖², computed from the
 * covariances; for whitened tasks posed by singular values (X = I, c = 1) it is ½‖Σ^{yx} − Ω‖².
 */
export function linearLoss(task: Task, omega: Float64Array): number {
  const nIn = task.inputDim;
  const nOut = task.outputDim;
  const syx = task.sigmaYX.data;
  if (task.whitened && task.dataset.x.rows === nIn && Math.abs(task.targetEnergy - 0.5 * syx.reduce((a, v) => a + v * v, 0)) <= 1e-12 * task.targetEnergy) {
    // No irreducible part: the direct form keeps full relative accuracy as the loss goes to 0.
    let d = 0;
    for (let i = 0; i < omega.length; i++) d += (syx[i]! - omega[i]!) ** 2;
    return 0.5 * d;
  }
  const os = new Float64Array(nOut * nIn);
  mulInto(os, omega, task.sigmaX.data, nOut, nIn, nIn);
  let s = 0;
  for (let i = 0; i < omega.length; i++) s += 0.5 * os[i]! * omega[i]! - syx[i]! * omega[i]!;
  return s + task.targetEnergy;
}

type Activation = { f: (z: number) => number; df: (z: number) => number };
const ACTIVATIONS: Record<'linear' | 'relu' | 'tanh', Activation> = {
  linear: { f: (z) => z, df: () => 1 },
  relu: { f: (z) => (z > 0 ? z : 0), df: (z) => (z > 0 ? 1 : 0) },
  tanh: {
    f: Math.tanh,
    df: (z) => {
      const t = Math.tanh(z);
      return 1 - t * t;
    },
  },
};

/**
 * Backpropagation on the dataset: pre-activations Z^{d+1} = W^d H^d, H^{d+1} = φ(Z^{d+1}), H^0 = Xᵀ,
 * Ŷ = Σ_a H_a^D, loss (c/2)‖Yᵀ − Ŷ‖². φ is applied after every layer, the last included (DESIGN §2.1).
 */
export class BackpropEngine implements Engine {
  readonly network: Network;
  readonly task: Task;
  readonly theta: Float64Array;
  private readonly act: Activation;
  private readonly samples: number;
  /** Xᵀ, n_in×P */
  private readonly input: Float64Array;
  /** Yᵀ, n_out×P */
  private readonly target: Float64Array;
  private readonly grad: Float64Array;

  constructor(net: Network, task: Task) {
    this.network = net;
    this.task = task;
    this.theta = bindTheta(net);
    this.act = ACTIVATIONS[net.nonlinearity];
    const { x, y } = task.dataset;
    this.samples = x.rows;
    this.input = transposeData(x);
    this.target = transposeData(y);
    this.grad = new Float64Array(this.theta.length);
  }

  refresh(): void {}

  /** Activations of every layer of one pathway for inputs `h0` (n_in×cols): [H^0, …, H^D] and [Z^1, …, Z^D]. */
  private forward(a: number, h0: Float64Array, cols: number): { h: Float64Array[]; z: Float64Array[] } {
    const p = this.network.pathways[a]!;
    const h = [h0];
    const z: Float64Array[] = [new Float64Array(0)];
    for (let d = 0; d < p.depth; d++) {
      const w = p.layers[d]!;
      const zd = new Float64Array(w.rows * cols);
      kernelsFor(cols).forward(zd, w.data, h[d]!, w.rows, w.cols);
      z.push(zd);
      h.push(zd.map(this.act.f));
    }
    return { h, z };
  }

  private outputs(h0: Float64Array, cols: number): { total: Float64Array; passes: { h: Float64Array[]; z: Float64Array[] }[] } {
    const total = new Float64Array(this.task.outputDim * cols);
    const passes = this.network.pathways.map((p, a) => {
      const pass = this.forward(a, h0, cols);
      const out = pass.h[p.depth]!;
      for (let i = 0; i < out.length; i++) total[i] += out[i]!;
      return pass;
    });
    return { total, passes };
  }

  flowInto(out: Float64Array): void {
    const P = this.samples;
    const c = this.task.dataset.weight;
    const { total, passes } = this.outputs(this.input, P);
    // δ = c (Yᵀ − Ŷ): the negative loss gradient with respect to the network output.
    const delta = new Float64Array(total.length);
    for (let i = 0; i < delta.length; i++) delta[i] = c * (this.target[i]! - total[i]!);
    const kernels = kernelsFor(P);
    let o = this.theta.length;
    for (let a = this.network.pathways.length - 1; a >= 0; a--) {
      const p = this.network.pathways[a]!;
      const { h, z } = passes[a]!;
      let g = delta.map((v, i) => v * this.act.df(z[p.depth]![i]!));
      for (let d = p.depth - 1; d >= 0; d--) {
        const w = p.layers[d]!;
        o -= w.data.length;
        // −∂L/∂W^d = G^{d+1} H^{dᵀ}: the rank-P update kernel with η = 1 on a zeroed target.
        const target = out.subarray(o, o + w.data.length);
        target.fill(0);
        kernels.update(target, g, h[d]!, 1, w.rows, w.cols);
        if (d > 0) {
          // G^d = (W^{dᵀ} G^{d+1}) ∘ φ'(Z^d), formed as (G^{d+1ᵀ} W^d)ᵀ so W is read row by row.
          const gt = transposeFlat(g, w.rows, P);
          const backT = new Float64Array(P * w.cols);
          kernels.backward(backT, gt, w.data, w.rows, w.cols);
          const zd = z[d]!;
          g = transposeFlat(backT, P, w.cols).map((v, i) => v * this.act.df(zd[i]!));
        }
      }
    }
  }

  step(eta: number): void {
    this.flowInto(this.grad);
    for (let i = 0; i < this.theta.length; i++) this.theta[i] += eta * this.grad[i]!;
  }

  loss(): number {
    const { total } = this.outputs(this.input, this.samples);
    let s = 0;
    for (let i = 0; i < total.length; i++) s += (this.target[i]! - total[i]!) ** 2;
    return 0.5 * this.task.dataset.weight * s;
  }

  pathwayMaps(): Mat[] {
    const n = this.task.inputDim;
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    return this.network.pathways.map((p, a) => {
      const out = this.forward(a, eye, n).h[p.depth]!;
      return { rows: this.task.outputDim, cols: n, data: out };
    });
  }
}

/** The transpose (cols×rows) of a row-major rows×cols block. */
function transposeFlat(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

function transposeData(m: Mat): Float64Array {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  return t.data;
}

/** K_a = Uᵀ Ω_a V (K×K) for every pathway. */
export function modeMatrices(task: Task, maps: readonly Mat[]): Mat[] {
  const K = task.singularValues.length;
  const nIn = task.inputDim;
  const nOut = task.outputDim;
  return maps.map((omega) => {
    const ov = new Float64Array(nOut * K);
    mulInto(ov, omega.data, task.v.data, nOut, nIn, K);
    const k = zeros(K, K);
    transposeMulInto(k.data, task.u.data, ov, nOut, K, K);
    return k;
  });
}

/** The diagonal K_aα, indexed [a][α]. */
export function diagonalStrengths(matrices: readonly Mat[]): number[][] {
  return matrices.map((k) => {
    const out: number[] = [];
    for (let m = 0; m < k.rows; m++) out.push(k.data[m * k.cols + m]!);
    return out;
  });
}
