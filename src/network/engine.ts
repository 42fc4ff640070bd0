/**
 * Training engines: the state of a network as one flat parameter vector θ (every layer is a view into it),
 * the flow direction, a gradient-descent-style step, the loss and the read-out K_a = Uᵀ Ω_a V.
 *
 * An engine computes the forward pass and the error; how the error travels back is an `UpdateRule`
 * (rule.ts; default `gradientRule`, the true gradient), and the engine applies ΔW_ℓ = η G_ℓ H_ℓᵀ with the
 * rule's signals G_ℓ. `createEngine` chooses an engine through the registry (registry.ts) by the `kernels`
 * option and the nonlinearity.
 *
 * Linear pathways use thin products (DESIGN §3.2): with P^d = W^{d−1}⋯W^1 (prefix, N×n_in, P^0 = I) and
 * Q^d = W^D⋯W^d (suffix, n_out×N, Q^{D} = I), the residual E = Σ^{yx} − Ω Σ^x gives
 *     −∂L/∂W^d = Q^{d+1ᵀ} E P^{dᵀ},
 * a rank-n_in outer product, so a step is O(D N² n) and never forms an N×N product.
 * Nonlinear pathways backpropagate through the dataset (O(D N² P), P samples).
 */
import { gradientRule } from './gradient-rule.ts';
import { kernelsFor, type Kernels } from './kernels.ts';
import { MatrixEngine } from './ml-engine.ts';
import { bindTheta, type Network, type Nonlinearity } from './network.ts';
import { findEngine, kernelChoices, registerEngine } from './registry.ts';
import { layerRefs, ruleForm, type LayerRef, type Gates, type SampleState, type SampleUpdate, type ThinState, type ThinUpdate, type UpdateRule } from './rule.ts';
import { Arena, MAX_ARENA_DOUBLES, arenaSize, fromPanelTransposed, toPanel, wasmKernels, type WasmKernels } from './wasm.ts';
import { mulInto, transposeMulInto, zeros, type Mat } from './matrix.ts';
import type { Task } from './task.ts';
import { ValidationError } from '../util/errors.ts';

export interface Engine {
  readonly network: Network;
  readonly task: Task;
  /** All weights, pathway by pathway, layer by layer, row-major; the network's layers are views into it. */
  readonly theta: Float64Array;
  /** Recomputes cached products after θ was changed from outside (e.g. by an integrator). */
  refresh(): void;
  /** out = Σ_ℓ G_ℓ H_ℓᵀ, the rule's flow velocity (the gradient rule: −∂L/∂θ, τ = 1); needs a fresh state. */
  flowInto(out: Float64Array): void;
  /** θ ← θ + η·(the flow velocity) (the gradient rule: θ − η ∂L/∂θ); leaves the state fresh. */
  step(eta: number): void;
  loss(): number;
  /** Ω_a (n_out×n_in) of every pathway: for nonlinear pathways, their outputs on the standard basis inputs. */
  pathwayMaps(): Mat[];
}

/** The arithmetic of the training steps (the read-out, losses and records are float64 in both). */
export type Precision = 'float64' | 'float32';
export const PRECISIONS: readonly Precision[] = ['float64', 'float32'];

/** The built-in `kernels` values; registerEngine can add more. */
export type KernelChoice = 'auto' | 'js' | 'ml-matrix';

export interface EngineOptions {
  /**
   * `auto` (default): WebAssembly SIMD kernels where the thin dimension allows (n_in ≤ 16 for updates and
   * prefixes, n_out ≤ 16 for suffixes), generated JavaScript kernels elsewhere; `js`: JavaScript only;
   * `ml-matrix`: the plain ml-matrix reference engine (slow; the ground truth of the tests). Nonlinear
   * pathways: `auto` and `js` both backpropagate with the JavaScript kernels.
   */
  readonly kernels?: KernelChoice | (string & {});
  /** How the error travels back; default `gradientRule` (the true gradient). */
  readonly rule?: UpdateRule;
  /**
   * `float64` (default) or `float32`: the arithmetic of the training steps, chosen through the registry
   * (float32: engine-f32.ts, thin products on f32x4 kernels, the gradient rule only).
   */
  readonly precision?: Precision;
}

type Allocate = (length: number) => Float64Array;
const plainAllocate: Allocate = (length) => new Float64Array(length);

/** The engine the registry holds for the options' kernels and the network's nonlinearity. */
export function createEngine(net: Network, task: Task, options: EngineOptions = {}): Engine {
  return findEngine(options.kernels ?? 'auto', net.nonlinearity, options.rule ?? gradientRule, options.precision ?? 'float64').create(net, task, options);
}

/** The float64 engines' guard against a float32 request that bypassed the registry. */
function float64Only(options: EngineOptions, engine: string): void {
  const precision = options.precision ?? 'float64';
  if (precision !== 'float64') throw new ValidationError('precision', precision, `for ${engine}: "float64" (float32: createEngine with kernels "auto")`);
}

export { kernelChoices };

function identityInto(m: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

interface PathwayBuffers {
  /** prefix[d] = P^d, dims[d]×n_in; two sets swapped by each step. */
  prefix: Float64Array[];
  prefixNext: Float64Array[];
}

export class LinearEngine implements Engine {
  readonly network: Network;
  readonly task: Task;
  readonly theta: Float64Array;
  readonly rule: UpdateRule;
  private readonly nIn: number;
  private readonly nOut: number;
  private readonly buffers: PathwayBuffers[];
  private readonly layers: LayerRef[];
  /** The rule's signals G_ℓ (rows_ℓ×n_in), in kernel memory. */
  private readonly signal: Float64Array[];
  private readonly update: ThinUpdate;
  private readonly state: ThinState;
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
    const kernels = options.kernels ?? 'auto';
    if (kernels !== 'auto' && kernels !== 'js') throw new ValidationError('kernels', kernels, 'for the thin-product engine: "auto" or "js"');
    if (net.nonlinearity !== 'linear') throw new ValidationError('nonlinearity', net.nonlinearity, 'for the thin-product engine: "linear"');
    float64Only(options, 'the thin-product engine');
    this.rule = options.rule ?? gradientRule;
    const form = ruleForm(this.rule, 'thin', 'the thin-product linear engine');
    if (this.rule.gates !== undefined) throw new ValidationError('rule', this.rule.name, 'for the thin-product engine: an ungated rule (gates need the samples: the backpropagation or ml-matrix engine)');
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
    // Every buffer the kernels touch, in allocation order, to size the arena: θ, identities, panels, per layer
    // the two prefixes of its output and its signal, then what the rule asks for.
    const lengths: number[] = [];
    for (const p of net.pathways) for (const l of p.layers) lengths.push(l.data.length);
    lengths.push(nIn * nIn, nOut * nOut, panelLength(nIn), panelLength(nOut));
    for (const p of net.pathways) for (const l of p.layers) lengths.push(2 * l.rows * nIn, l.rows * nIn);
    const ruleLengths = form.memory?.(net, task) ?? [];
    lengths.push(...ruleLengths);
    const wantWasm = kernels === 'auto' && (nIn <= 16 || nOut <= 16);
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
    this.layers = layerRefs(net);
    this.signal = [];
    this.buffers = net.pathways.map((p) => {
      const prefix: Float64Array[] = [eyeIn];
      const prefixNext: Float64Array[] = [eyeIn];
      for (const l of p.layers) {
        const pair = allocate(2 * l.rows * nIn);
        prefix.push(pair.subarray(0, l.rows * nIn));
        prefixNext.push(pair.subarray(l.rows * nIn));
        this.signal.push(allocate(l.rows * nIn));
      }
      return { prefix, prefixNext };
    });
    this.residual = new Float64Array(nOut * nIn);
    this.omega = new Float64Array(nOut * nIn);
    const buffers = this.buffers;
    const layers = this.layers;
    this.state = {
      residual: this.residual,
      omega: this.omega,
      input: (l) => buffers[layers[l]!.pathway]!.prefix[layers[l]!.depth]!,
      output: (l) => buffers[layers[l]!.pathway]!.prefix[layers[l]!.depth + 1]!,
    };
    // The rule's buffers, held to what it declared (the arena was sized with it).
    let ruleBudget = arenaSize(ruleLengths);
    const ruleAllocate: Allocate = (n) => {
      ruleBudget -= Math.ceil(n / 2) * 2;
      if (ruleBudget < 0) throw new Error(`rule "${this.rule.name}": its thin form allocates more than its memory() declares`);
      return allocate(n);
    };
    this.update = form.bind({
      network: net,
      task,
      layers,
      allocate: ruleAllocate,
      outputIdentity: eyeOut,
      ops: {
        suffix: (out, q, w) => {
          // The WebAssembly kernel addresses the arena: Q and W must live there (ThinSetup.allocate, θ).
          if (this.wasmOut && (q.buffer !== arena!.memory.buffer || w.data.buffer !== arena!.memory.buffer)) {
            throw new Error(`rule "${this.rule.name}": ops.suffix needs Q and W in the engine's memory (from setup.allocate, or the layers' own weights)`);
          }
          this.backward(out, q, w);
        },
        transposeLeft: (out, q, e, r, m) => this.inputKernels.transposeLeft(out, q, e, r, m),
      },
    });
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

  private applyUpdate(w: Mat, a: Float64Array, b: Float64Array, eta: number): void {
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
    this.refreshResidual();
  }

  /** Ω = Σ_a P_a^{D_a} and E = Σ^{yx} − Ω Σ^x from the current prefixes. */
  private refreshResidual(): void {
    const { nIn, nOut } = this;
    this.omega.fill(0);
    this.network.pathways.forEach((p, a) => {
      const out = this.buffers[a]!.prefix[p.depth]!;
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
    this.update.signals(this.state, this.signal);
    for (const l of this.layers) {
      // Σ G_ℓ P_ℓᵀ: the update kernel with η = 1 on a zeroed target (out is the integrator's).
      const target = out.subarray(l.offset, l.offset + l.rows * l.cols);
      target.fill(0);
      this.inputKernels.update(target, this.signal[l.index]!, this.buffers[l.pathway]!.prefix[l.depth]!, 1, l.rows, l.cols);
    }
  }

  step(eta: number): void {
    // Every signal from the state at θ(t), then each layer's update with the old prefix P^d(t), then
    // P^{d+1}(t+1) from the new P^d(t+1). (A fused single pass measured slower than the two row-blocked passes.)
    this.update.signals(this.state, this.signal);
    let l = 0;
    this.network.pathways.forEach((p, a) => {
      const b = this.buffers[a]!;
      for (let d = 0; d < p.depth; d++, l++) {
        const w = p.layers[d]!;
        this.applyUpdate(w, this.signal[l]!, b.prefix[d]!, eta);
        this.forward(b.prefixNext[d + 1]!, w, b.prefixNext[d]!);
      }
      const tmp = b.prefix;
      b.prefix = b.prefixNext;
      b.prefixNext = tmp;
    });
    this.refreshResidual();
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
const ACTIVATIONS: Record<Nonlinearity, Activation> = {
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
 * The rule's sample form turns δ = c(Yᵀ − Ŷ), the activations and the slopes φ′(Z) into the signals.
 */
export class BackpropEngine implements Engine {
  readonly network: Network;
  readonly task: Task;
  readonly theta: Float64Array;
  readonly rule: UpdateRule;
  private readonly act: Activation;
  private readonly samples: number;
  /** Xᵀ, n_in×P */
  private readonly input: Float64Array;
  /** Yᵀ, n_out×P */
  private readonly target: Float64Array;
  private readonly grad: Float64Array;
  private readonly layers: LayerRef[];
  private readonly update: SampleUpdate;
  /** The rule's signals G_ℓ (rows_ℓ×P). */
  private readonly signal: Float64Array[];
  /** The forward pass the last flowInto ran, per layer (what the rule's SampleState reads). */
  private readonly pass: { inputs: Float64Array[]; outputs: Float64Array[]; slopes: Float64Array[]; delta: Float64Array };
  /** The rule's gates, if any, and their values on the training inputs (fixed: they depend on x only). */
  private readonly gates: Gates | null;
  private readonly trainingGates: (Float64Array | null)[] | null;

  constructor(net: Network, task: Task, options: EngineOptions = {}) {
    const kernelOption = options.kernels ?? 'auto';
    if (kernelOption !== 'auto' && kernelOption !== 'js') throw new ValidationError('kernels', kernelOption, 'for the backpropagation engine: "auto" or "js"');
    float64Only(options, 'the backpropagation engine');
    this.rule = options.rule ?? gradientRule;
    const form = ruleForm(this.rule, 'samples', 'the backpropagation engine');
    this.network = net;
    this.task = task;
    this.theta = bindTheta(net);
    this.act = activationOf(net.nonlinearity);
    const { x, y } = task.dataset;
    const P = x.rows;
    this.samples = P;
    this.input = transposeData(x);
    this.target = transposeData(y);
    this.grad = new Float64Array(this.theta.length);
    this.layers = layerRefs(net);
    this.signal = this.layers.map((l) => new Float64Array(l.rows * P));
    this.pass = { inputs: [], outputs: [], slopes: [], delta: new Float64Array(task.outputDim * P) };
    this.gates = this.rule.gates?.bind({ network: net, task, layers: this.layers }) ?? null;
    this.trainingGates = this.gates?.at(this.input, P) ?? null;
    const pass = this.pass;
    const kernels = kernelsFor(P);
    this.update = form.bind({
      network: net,
      task,
      layers: this.layers,
      samples: P,
      ops: {
        // Wᵀ G formed as (Gᵀ W)ᵀ so W is read row by row.
        transposeMul: (out, w, g) => {
          const gt = transposeFlat(g, w.rows, P);
          const backT = new Float64Array(P * w.cols);
          kernels.backward(backT, gt, w.data, w.rows, w.cols);
          transposeFlatInto(out, backT, P, w.cols);
        },
      },
    });
    this.state = {
      outputError: pass.delta,
      input: (l) => pass.inputs[l]!,
      output: (l) => pass.outputs[l]!,
      slope: (l) => pass.slopes[l]!,
    };
  }

  private readonly state: SampleState;

  refresh(): void {}

  /**
   * Activations of every layer of one pathway for inputs `h0` (n_in×cols): [H^0, …, H^D], [Z^1, …, Z^D] and
   * the slopes ∂H^{d+1}/∂Z^{d+1} = g ⊙ φ′(Z) (with the gates g of those inputs, if the rule has any).
   */
  private forward(a: number, h0: Float64Array, cols: number, gates: readonly (Float64Array | null)[] | null): { h: Float64Array[]; z: Float64Array[]; slopes: Float64Array[] } {
    const p = this.network.pathways[a]!;
    const h = [h0];
    const z: Float64Array[] = [new Float64Array(0)];
    const slopes: Float64Array[] = [];
    const first = this.layers.findIndex((l) => l.pathway === a);
    for (let d = 0; d < p.depth; d++) {
      const w = p.layers[d]!;
      const zd = new Float64Array(w.rows * cols);
      kernelsFor(cols).forward(zd, w.data, h[d]!, w.rows, w.cols);
      z.push(zd);
      const hd = zd.map(this.act.f);
      const sd = zd.map(this.act.df);
      const g = gates?.[first + d] ?? null;
      if (g !== null) {
        for (let k = 0; k < hd.length; k++) {
          hd[k] *= g[k]!;
          sd[k] *= g[k]!;
        }
      }
      h.push(hd);
      slopes.push(sd);
    }
    return { h, z, slopes };
  }

  private outputs(h0: Float64Array, cols: number, gates: readonly (Float64Array | null)[] | null): { total: Float64Array; passes: { h: Float64Array[]; z: Float64Array[]; slopes: Float64Array[] }[] } {
    const total = new Float64Array(this.task.outputDim * cols);
    const passes = this.network.pathways.map((p, a) => {
      const pass = this.forward(a, h0, cols, gates);
      const out = pass.h[p.depth]!;
      for (let i = 0; i < out.length; i++) total[i] += out[i]!;
      return pass;
    });
    return { total, passes };
  }

  flowInto(out: Float64Array): void {
    const P = this.samples;
    const c = this.task.dataset.weight;
    const { total, passes } = this.outputs(this.input, P, this.trainingGates);
    // δ = c (Yᵀ − Ŷ): the negative loss gradient with respect to the network output.
    const { delta, inputs, outputs, slopes } = this.pass;
    for (let i = 0; i < delta.length; i++) delta[i] = c * (this.target[i]! - total[i]!);
    for (const l of this.layers) {
      const { h, slopes: s } = passes[l.pathway]!;
      inputs[l.index] = h[l.depth]!;
      outputs[l.index] = h[l.depth + 1]!;
      slopes[l.index] = s[l.depth]!;
    }
    this.update.signals(this.state, this.signal);
    const kernels = kernelsFor(P);
    for (const l of this.layers) {
      // G_ℓ H_ℓᵀ (the gradient: −∂L/∂W^d = G^{d+1} H^{dᵀ}): the rank-P update kernel with η = 1 on a zeroed target.
      const target = out.subarray(l.offset, l.offset + l.rows * l.cols);
      target.fill(0);
      kernels.update(target, this.signal[l.index]!, inputs[l.index]!, 1, l.rows, l.cols);
    }
  }

  step(eta: number): void {
    this.flowInto(this.grad);
    for (let i = 0; i < this.theta.length; i++) this.theta[i] += eta * this.grad[i]!;
  }

  loss(): number {
    const { total } = this.outputs(this.input, this.samples, this.trainingGates);
    let s = 0;
    for (let i = 0; i < total.length; i++) s += (this.target[i]! - total[i]!) ** 2;
    return 0.5 * this.task.dataset.weight * s;
  }

  pathwayMaps(): Mat[] {
    const n = this.task.inputDim;
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    // Gated: each column is the network's output for that basis input, with that input's gates (the map
    // itself on a one-hot dataset, whose samples are the basis).
    const gates = this.gates?.at(eye, n) ?? null;
    return this.network.pathways.map((p, a) => {
      const out = this.forward(a, eye, n, gates).h[p.depth]!;
      return { rows: this.task.outputDim, cols: n, data: out };
    });
  }
}

function activationOf(nonlinearity: Nonlinearity): Activation {
  const act = Object.hasOwn(ACTIVATIONS, nonlinearity) ? ACTIVATIONS[nonlinearity] : undefined;
  if (act === undefined) throw new ValidationError('nonlinearity', nonlinearity, `one of ${Object.keys(ACTIVATIONS).map((k) => JSON.stringify(k)).join(', ')}`);
  return act;
}

/** out (cols×rows) = the transpose of a row-major rows×cols block. */
function transposeFlatInto(out: Float64Array, a: Float64Array, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
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

// The float32 engine registers itself (kernels "auto", linear, precision "float32"); imported here so that
// importing engine.ts is enough for createEngine to find it, as for the built-in engines below.
import './engine-f32.ts';

// The built-in engines. Later registrations for the same (kernels, nonlinearity) pair replace these.
registerEngine({
  name: 'thin products (WebAssembly SIMD where the thin dimensions allow, JavaScript elsewhere)',
  kernels: ['auto'],
  nonlinearities: ['linear'],
  create: (net, task, options) => new LinearEngine(net, task, { ...options, kernels: 'auto' }),
});
registerEngine({
  name: 'thin products (generated JavaScript kernels)',
  kernels: ['js'],
  nonlinearities: ['linear'],
  create: (net, task, options) => new LinearEngine(net, task, { ...options, kernels: 'js' }),
});
registerEngine({
  name: 'backpropagation through the dataset (JavaScript kernels)',
  kernels: ['auto', 'js'],
  nonlinearities: ['relu', 'tanh'],
  create: (net, task, options) => new BackpropEngine(net, task, options),
});
registerEngine({
  name: 'backpropagation through the dataset (gated linear pathways, JavaScript kernels)',
  kernels: ['auto', 'js'],
  nonlinearities: ['linear'],
  // Only gated rules: ungated linear pathways keep the thin-product engine registered before this one.
  accepts: (rule) => rule.gates !== undefined,
  create: (net, task, options) => new BackpropEngine(net, task, options),
});
registerEngine({
  name: 'ml-matrix reference (the textbook equations with ml-matrix Matrix operations)',
  kernels: ['ml-matrix'],
  nonlinearities: ['linear', 'relu', 'tanh'],
  create: (net, task, options) => new MatrixEngine(net, task, options),
});
