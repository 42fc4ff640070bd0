/**
 * The float32 engine (issue 18, item 6): the thin-product gradient step of `LinearEngine` with every weight,
 * product and update in IEEE single precision, on the f32x4 WebAssembly kernels (wasm.ts, the same generated
 * loops as the f64x2 ones with the f32x4 tableau). Registered for `kernels: "auto"`, linear pathways, the
 * gradient rule and `precision: "float32"`; every other combination stays float64 (the registry refuses it).
 *
 * What is float32 and what is not:
 * - float32 (rounded after every multiply and every add; WebAssembly SIMD has no fused multiply-add): the
 *   weights, the prefixes P^d = W^{d−1}⋯W^1, the residual E = Σ^{yx} − ΩΣ^x (Σ^{yx}, Σ^x rounded to float32
 *   once), the signals G^d = W^{d+1ᵀ} G^{d+1} (G = E at the top), the updates W += η G Pᵀ (η rounded to
 *   float32 by the kernel's f32 parameter).
 * - float64: the read-out. `loss()` and `pathwayMaps()` take the float32 Ω_a exactly (every float32 is a
 *   double) and compute in float64, so records, the reduced read-out and the agreement tests compare float32
 *   training, not float32 bookkeeping.
 *
 * θ: the kernels update a Float32Array in kernel memory. `theta` (a Float64Array, the network's layers views
 * into it, as for every engine) is its exact float64 image, brought up to date lazily — on reading `theta` and
 * at every record (`pathwayMaps`) — because converting the 4·10⁶ weights of N = 1000 after every step would
 * add a third to the step (measured 1.5 ms against 5 ms). `refresh()` reads θ back (rounding to float32)
 * after it was changed from outside.
 */
import type { Engine, EngineOptions } from './engine.ts';
import { linearLoss } from './engine.ts';
import { gradientRule } from './gradient-rule.ts';
import type { Mat } from './matrix.ts';
import { bindTheta, type Network } from './network.ts';
import { registerEngine } from './registry.ts';
import type { Task } from './task.ts';
import { Arena, F32X4, MAX_ARENA_DOUBLES, arenaSizeFloat32, toQuadPanel, wasmKernels, type WasmKernels } from './wasm.ts';
import { ValidationError } from '../util/errors.ts';

/** One layer of θ with its float32 buffers (views into the kernel memory). */
interface Layer32 {
  readonly pathway: number;
  readonly depth: number;
  readonly rows: number;
  readonly cols: number;
  /** W (rows×cols), a view into θ32. */
  readonly w: Float32Array;
  /** G (rows×n_in), the gradient signal: −∂L/∂W = G Pᵀ. */
  readonly signal: Float32Array;
}

interface Pathway32 {
  /** prefix[d] = P^d (dims[d]×n_in), P^0 = I; two sets swapped by each step. */
  prefix: Float32Array[];
  prefixNext: Float32Array[];
}

const FLOAT32_RULE = 'the gradient rule ("gd"; the float32 engine computes the true gradient only, other rules train in float64)';

export class Float32Engine implements Engine {
  readonly network: Network;
  readonly task: Task;
  private readonly theta64: Float64Array;
  private readonly theta32: Float32Array;
  /** θ32 has stepped since θ64 was last brought up to date. */
  private stale = false;
  private readonly nIn: number;
  private readonly nOut: number;
  private readonly layers: Layer32[];
  private readonly pathways: Pathway32[];
  /** The f32x4 kernels for the thin dimension n_in: every O(N² n_in) product of a step. */
  private readonly kIn: WasmKernels;
  /** The panel of the f32x4 update kernel (wasm.ts): Pᵀ. */
  private readonly panelIn: Float32Array;
  /** Σ^{yx}, Σ^x in float32, Ω = Σ_a Ω_a and E = Σ^{yx} − ΩΣ^x (n_out×n_in). */
  private readonly syx: Float32Array;
  private readonly sx: Float32Array;
  private readonly omega: Float32Array;
  private readonly residual: Float32Array;

  constructor(net: Network, task: Task, options: EngineOptions = {}) {
    const kernels = options.kernels ?? 'auto';
    if (kernels !== 'auto') throw new ValidationError('kernels', kernels, 'with precision "float32": "auto" (the float32 engine has WebAssembly SIMD kernels only)');
    if (net.nonlinearity !== 'linear') throw new ValidationError('nonlinearity', net.nonlinearity, 'with precision "float32": "linear"');
    const rule = options.rule ?? gradientRule;
    if (rule !== gradientRule) throw new ValidationError('rule', rule.name, `with precision "float32": ${FLOAT32_RULE}`);
    this.network = net;
    this.task = task;
    const nIn = task.inputDim;
    const nOut = task.outputDim;
    this.nIn = nIn;
    this.nOut = nOut;
    const maxDim = Math.max(...net.pathways.flatMap((p) => p.dims));
    const panelLength = 4 * nIn * Math.ceil(maxDim / 4);
    // Every float32 buffer, in allocation order, to size the kernel memory.
    const lengths: number[] = [];
    let count = 0;
    for (const p of net.pathways) for (const l of p.layers) count += l.data.length;
    lengths.push(count, nIn * nIn, panelLength);
    for (const p of net.pathways) for (const l of p.layers) lengths.push(2 * l.rows * nIn, l.rows * nIn);
    const size = arenaSizeFloat32(lengths);
    const arena = size <= MAX_ARENA_DOUBLES ? new Arena(size) : null;
    const kIn = arena && wasmKernels(nIn, arena, F32X4);
    if (!arena || !kIn) {
      throw new ValidationError(
        'precision',
        'float32',
        `for networks whose float32 buffers fit 1 GiB, with at most 16 inputs (here ${nIn}), on a runtime with WebAssembly SIMD: the float32 engine has WebAssembly kernels only`,
      );
    }
    this.kIn = kIn;
    const alloc = (n: number): Float32Array => arena.allocFloat32(n);
    this.theta64 = bindTheta(net);
    this.theta32 = alloc(count);
    const eyeIn = alloc(nIn * nIn);
    for (let i = 0; i < nIn; i++) eyeIn[i * nIn + i] = 1;
    this.panelIn = alloc(panelLength);
    this.residual = new Float32Array(nOut * nIn);
    this.syx = Float32Array.from(task.sigmaYX.data);
    this.sx = Float32Array.from(task.sigmaX.data);
    this.omega = new Float32Array(nOut * nIn);
    this.layers = [];
    let offset = 0;
    this.pathways = net.pathways.map((p, a) => {
      const prefix: Float32Array[] = [eyeIn];
      const prefixNext: Float32Array[] = [eyeIn];
      p.layers.forEach((l, d) => {
        const pair = alloc(2 * l.rows * nIn);
        prefix.push(pair.subarray(0, l.rows * nIn));
        prefixNext.push(pair.subarray(l.rows * nIn));
        this.layers.push({
          pathway: a,
          depth: d,
          rows: l.rows,
          cols: l.cols,
          w: this.theta32.subarray(offset, offset + l.data.length),
          signal: alloc(l.rows * nIn),
        });
        offset += l.data.length;
      });
      return { prefix, prefixNext };
    });
    this.refresh();
  }

  /** The float64 image of the float32 weights (exact), current when read. */
  get theta(): Float64Array {
    this.sync();
    return this.theta64;
  }

  /** Which kernels run the step: for reports and benchmarks. */
  get kernelKind(): string {
    return 'float32: updates, prefixes and backpropagated signals wasm-simd f32x4';
  }

  private sync(): void {
    if (this.stale) {
      this.theta64.set(this.theta32);
      this.stale = false;
    }
  }

  refresh(): void {
    this.sync();
    // Round to the nearest float32, and θ to what is trained: its float64 image stays exact.
    this.theta32.set(this.theta64);
    this.theta64.set(this.theta32);
    let l = 0;
    this.network.pathways.forEach((p, a) => {
      const b = this.pathways[a]!;
      for (let d = 0; d < p.depth; d++, l++) this.forward(b.prefix[d + 1]!, this.layers[l]!, b.prefix[d]!);
    });
    this.refreshResidual();
  }

  private forward(out: Float32Array, layer: Layer32, p: Float32Array): void {
    this.kIn.forward(out.byteOffset, layer.w.byteOffset, p.byteOffset, layer.rows, layer.cols);
  }

  /** Ω = Σ_a P_a^{D_a} and E = Σ^{yx} − ΩΣ^x in float32 (n_out×n_in; O(n_out n_in²), plain loops). */
  private refreshResidual(): void {
    const { nIn, omega, residual, syx, sx } = this;
    const f = Math.fround;
    omega.fill(0);
    this.network.pathways.forEach((p, a) => {
      const top = this.pathways[a]!.prefix[p.depth]!;
      for (let i = 0; i < omega.length; i++) omega[i] = f(omega[i]! + top[i]!);
    });
    if (this.task.whitened) {
      for (let i = 0; i < omega.length; i++) residual[i] = f(syx[i]! - omega[i]!);
      return;
    }
    for (let i = 0; i < this.nOut; i++) {
      for (let j = 0; j < nIn; j++) {
        let s = 0;
        for (let k = 0; k < nIn; k++) s = f(s + f(omega[i * nIn + k]! * sx[k * nIn + j]!));
        residual[i * nIn + j] = f(syx[i * nIn + j]! - s);
      }
    }
  }

  /**
   * G_ℓ for every layer, top down: G = E for a pathway's last layer, G_ℓ = W_{ℓ+1}ᵀ G_{ℓ+1} below — the same
   * G_ℓ = Q_ℓᵀ E as LinearEngine's suffixes (Q_ℓ = Q_{ℓ+1} W_{ℓ+1}), associated the other way: O(N² n_in) per
   * layer instead of O(N² n_out) (backpropagation with the n_in input directions as the batch; 15 → 8
   * multiply-adds per weight on the hierarchical task). The float64 engine keeps its suffixes (bit for bit
   * as before, and the rules' ThinState is built on them).
   */
  private signals(): void {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      const above = this.layers[i + 1];
      if (above === undefined || above.pathway !== layer.pathway) {
        layer.signal.set(this.residual);
        continue;
      }
      layer.signal.fill(0);
      this.kIn.backwardT(layer.signal.byteOffset, above.signal.byteOffset, above.w.byteOffset, above.rows, above.cols);
    }
  }

  step(eta: number): void {
    // As LinearEngine.step: every signal at θ(t), then each layer's update with the old prefix P^d(t), then
    // P^{d+1}(t+1) from the new P^d(t+1).
    this.signals();
    let l = 0;
    this.network.pathways.forEach((p, a) => {
      const b = this.pathways[a]!;
      for (let d = 0; d < p.depth; d++, l++) {
        const layer = this.layers[l]!;
        toQuadPanel(b.prefix[d]!, layer.cols, this.nIn, this.panelIn);
        this.kIn.update(layer.w.byteOffset, layer.signal.byteOffset, this.panelIn.byteOffset, eta, layer.rows, layer.cols);
        this.forward(b.prefixNext[d + 1]!, layer, b.prefixNext[d]!);
      }
      const tmp = b.prefix;
      b.prefix = b.prefixNext;
      b.prefixNext = tmp;
    });
    this.refreshResidual();
    this.stale = true;
  }

  /** out = Σ_ℓ G_ℓ P_ℓᵀ in float32 arithmetic (plain loops, off the step's path), as float64 numbers. */
  flowInto(out: Float64Array): void {
    this.signals();
    const f = Math.fround;
    const nIn = this.nIn;
    let offset = 0;
    for (const layer of this.layers) {
      const g = layer.signal;
      const p = this.pathways[layer.pathway]!.prefix[layer.depth]!;
      for (let i = 0; i < layer.rows; i++) {
        for (let j = 0; j < layer.cols; j++) {
          let s = 0;
          for (let k = 0; k < nIn; k++) s = f(s + f(g[i * nIn + k]! * p[j * nIn + k]!));
          out[offset + i * layer.cols + j] = s;
        }
      }
      offset += layer.rows * layer.cols;
    }
  }

  loss(): number {
    return linearLoss(this.task, Float64Array.from(this.omega));
  }

  pathwayMaps(): Mat[] {
    // A record: bring θ (the network's layers) up to date with it.
    this.sync();
    return this.network.pathways.map((p, a) => ({ rows: this.nOut, cols: this.nIn, data: Float64Array.from(this.pathways[a]!.prefix[p.depth]!) }));
  }
}

registerEngine({
  name: 'thin products in float32 (WebAssembly SIMD f32x4; the gradient rule)',
  kernels: ['auto'],
  nonlinearities: ['linear'],
  precisions: ['float32'],
  accepts: (rule) => rule === gradientRule,
  create: (net, task, options) => new Float32Engine(net, task, options),
});
