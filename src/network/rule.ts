/**
 * Update rules: how the output error travels back to each layer (DESIGN §5, issue 12).
 *
 * An engine computes the forward pass and the error; the rule turns them into one *signal* per layer, and the
 * engine applies the update
 *     ΔW_ℓ = η G_ℓ H_ℓᵀ      (gradient flow: dW_ℓ/dt = G_ℓ H_ℓᵀ)
 * with H_ℓ the layer's input (one column per input direction or per sample) and G_ℓ the signal at its output
 * (rows_ℓ × the same columns). For the true gradient G_ℓ H_ℓᵀ = −∂L/∂W_ℓ. Every rule of Bordelon & Pehlevan
 * (research/other-seeds.md §3) has this form: feedback alignment (G from fixed matrices B in place of W above
 * the layer), direct feedback alignment (G_ℓ = (B_ℓᵀ E) ∘ φ′), error-modulated Hebb (G_ℓ from the layer's own
 * output and the squared per-sample error); the top layer keeps its true gradient in all of them.
 *
 * Three families of engines offer the forward quantities in three forms, and a rule provides a form for each
 * family it supports (an engine whose form a rule lacks refuses it with a ValidationError):
 * - `thin`: the thin-product linear engine (`LinearEngine`, WebAssembly or JavaScript kernels). Columns are the
 *   n_in input directions: H_ℓ = P_ℓ = W_{ℓ−1}⋯W_1 (prefix products), the error is E = Σ^{yx} − ΩΣ^x
 *   (n_out×n_in), and the rule writes G_ℓ (rows_ℓ×n_in) into engine-owned buffers. Kernels (`ThinOps`) run on
 *   the engine's memory, which the rule asks for up front (`memory`).
 * - `samples`: backpropagation through the dataset (`BackpropEngine`). Columns are the P samples: H_ℓ the
 *   layer's input activations, the error δ = c(Yᵀ − Ŷ) = −∂L/∂Ŷ, slopes φ′(Z_ℓ) of the layer's outputs.
 * - `matrix`: the ml-matrix reference engine (`MatrixEngine`): the same quantities as ml-matrix `Matrix`
 *   objects (linear pathways in the covariance form of `thin`, nonlinear ones in the sample form).
 *
 * Signals are computed from the state at the current θ only (all of them before any layer is updated), so
 * a rule never sees a half-updated network. Layers are indexed ℓ in θ order (pathway by pathway, input side
 * first), which is topological: a layer's consumers come after it. `consumers` describes the wiring, so a rule
 * written against it does not assume parallel chains summed at the output (a graph of layers, issue 14, gives
 * a layer several consumers; the chains give one or none).
 */
import type { Matrix } from 'ml-matrix';
import { ValidationError } from '../util/errors.ts';
import type { Mat } from './matrix.ts';
import type { Network } from './network.ts';
import type { Task } from './task.ts';

/** One weight matrix of the network, as rules see it. */
export interface LayerRef {
  /** Position in θ order. */
  readonly index: number;
  readonly pathway: number;
  /** d: the layer's place in its pathway, 0 = input side. */
  readonly depth: number;
  readonly rows: number;
  readonly cols: number;
  /** Offset of the layer in θ (row-major). */
  readonly offset: number;
  /** The weights: a view into θ, current whenever a rule is called. */
  readonly weights: Mat;
  /** Layers reading this layer's output; empty: the layer feeds the network output (summed over pathways). */
  readonly consumers: readonly number[];
}

/** The layers of a network whose θ is bound (every layer a view into it), in θ order. */
export function layerRefs(net: Network): LayerRef[] {
  const refs: LayerRef[] = [];
  let offset = 0;
  net.pathways.forEach((p, a) => {
    p.layers.forEach((w, d) => {
      const index = refs.length;
      refs.push({ index, pathway: a, depth: d, rows: w.rows, cols: w.cols, offset, weights: w, consumers: d + 1 < p.depth ? [index + 1] : [] });
      offset += w.data.length;
    });
  });
  return refs;
}

// ---------------------------------------------------------------------------------------------------------
// Thin form: linear pathways, columns = input directions.

/** Kernels of the thin-product engine, on its memory (buffers from `ThinSetup.allocate`, layers' weights). */
export interface ThinOps {
  /** out (n_out×w.cols) = Q (n_out×w.rows) · W: one step of a suffix product (the error's way back through W). */
  suffix(out: Float64Array, q: Float64Array, w: Mat): void;
  /** out (m×n_in) = Qᵀ E for Q (r×m) and E (r×n_in): a layer's signal from a suffix (any Float64Arrays). */
  transposeLeft(out: Float64Array, q: Float64Array, e: Float64Array, r: number, m: number): void;
}

export interface ThinSetup {
  readonly network: Network;
  readonly task: Task;
  readonly layers: readonly LayerRef[];
  /** Buffers in the engine's kernel memory, which `ops` can run on; at most what `memory` declared. */
  allocate(length: number): Float64Array;
  /** I (n_out×n_out) in that memory: the suffix of a layer that feeds the output. Read only. */
  readonly outputIdentity: Float64Array;
  readonly ops: ThinOps;
}

/** The forward quantities of the thin-product engine at the current θ. Read only. */
export interface ThinState {
  /** E = Σ^{yx} − ΩΣ^x, n_out×n_in. */
  readonly residual: Float64Array;
  /** Ω = Σ_a Ω_a, n_out×n_in. */
  readonly omega: Float64Array;
  /** H_ℓ = P_ℓ (cols_ℓ×n_in): the layer's input on the input basis (I for a first layer). */
  input(layer: number): Float64Array;
  /** W_ℓ P_ℓ (rows_ℓ×n_in): the layer's output (Ω_a for a pathway's last layer). */
  output(layer: number): Float64Array;
}

export interface ThinUpdate {
  /** out[ℓ] (rows_ℓ×n_in) = G_ℓ for every layer, from the state at the current θ (gradient: G_ℓ = Q_ℓᵀ E). */
  signals(state: ThinState, out: readonly Float64Array[]): void;
}

export interface ThinForm {
  /** Lengths of the buffers `bind` will allocate (the engine sizes its memory before binding). */
  memory?(network: Network, task: Task): readonly number[];
  /** Called once, with θ bound and still initial (a rule may keep copies of the initial weights). */
  bind(setup: ThinSetup): ThinUpdate;
}

// ---------------------------------------------------------------------------------------------------------
// Sample form: backpropagation through the dataset, columns = samples.

export interface SampleOps {
  /** out (w.cols×P) = Wᵀ G for G (w.rows×P): the error's way back through W (any Mat, e.g. a fixed B). */
  transposeMul(out: Float64Array, w: Mat, g: Float64Array): void;
}

export interface SampleSetup {
  readonly network: Network;
  readonly task: Task;
  readonly layers: readonly LayerRef[];
  /** P, the number of samples (columns). */
  readonly samples: number;
  readonly ops: SampleOps;
}

/** The forward pass of the backpropagation engine at the current θ. Read only. */
export interface SampleState {
  /** δ = c(Yᵀ − Ŷ) = −∂L/∂Ŷ, n_out×P. */
  readonly outputError: Float64Array;
  /** H_ℓ (cols_ℓ×P): the layer's input activations (Xᵀ for a first layer). */
  input(layer: number): Float64Array;
  /** φ(Z_ℓ) (rows_ℓ×P): the layer's output activations, Z_ℓ = W_ℓ H_ℓ. */
  output(layer: number): Float64Array;
  /** φ′(Z_ℓ) (rows_ℓ×P). */
  slope(layer: number): Float64Array;
}

export interface SampleUpdate {
  /** out[ℓ] (rows_ℓ×P) = G_ℓ for every layer (gradient: G_ℓ = (Σ_c W_cᵀ G_c or δ) ∘ φ′(Z_ℓ)). */
  signals(state: SampleState, out: readonly Float64Array[]): void;
}

export interface SampleForm {
  bind(setup: SampleSetup): SampleUpdate;
}

// ---------------------------------------------------------------------------------------------------------
// Matrix form: the ml-matrix reference engine.

export interface MatrixSetup {
  readonly network: Network;
  readonly task: Task;
  readonly layers: readonly LayerRef[];
}

/** The forward pass of the reference engine, as ml-matrix matrices (fresh copies: a rule may keep them). */
export interface MatrixState {
  /** E = Σ^{yx} − ΩΣ^x (linear pathways, columns = input directions) or δ = c(Yᵀ − Ŷ) (columns = samples). */
  readonly error: Matrix;
  weight(layer: number): Matrix;
  input(layer: number): Matrix;
  output(layer: number): Matrix;
  /** φ′(Z_ℓ); all ones for linear pathways. */
  slope(layer: number): Matrix;
}

export interface MatrixUpdate {
  /** G_ℓ for every layer, in θ order. */
  signals(state: MatrixState): Matrix[];
}

export interface MatrixForm {
  bind(setup: MatrixSetup): MatrixUpdate;
}

// ---------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------
// Gates: fixed, data-dependent multipliers on hidden layers' outputs (a gated linear network).

export interface GateSetup {
  readonly network: Network;
  readonly task: Task;
  readonly layers: readonly LayerRef[];
}

export interface Gates {
  /**
   * The gates of every layer for the inputs x (n_in × cols, row-major, one column per input): out[ℓ] is
   * rows_ℓ × cols, multiplying the layer's output φ(Z_ℓ) (and so its slope), or null for an ungated layer.
   * They depend on the inputs only, never on θ: the network stays linear in each layer's weights.
   */
  at(input: Float64Array, cols: number): (Float64Array | null)[];
}

export interface GateForm {
  bind(setup: GateSetup): Gates;
}

// ---------------------------------------------------------------------------------------------------------

/** A learning rule: a name and the forms it has for the engine families. */
export interface UpdateRule {
  readonly name: string;
  /**
   * Gates the forward pass (Bordelon & Pehlevan's gated linear network: h^{l+1} = W^l (g^l(x) ⊙ h^l)). Only the
   * sample-wise engines (backpropagation, the ml-matrix reference) can apply them: the thin-product engine's
   * covariance form has no samples to gate.
   */
  readonly gates?: GateForm;
  readonly thin?: ThinForm;
  readonly samples?: SampleForm;
  readonly matrix?: MatrixForm;
}

export type RuleForm = 'thin' | 'samples' | 'matrix';

/** The rule's form for an engine family, or a ValidationError naming the rule and the engine. */
export function ruleForm<F extends RuleForm>(rule: UpdateRule, form: F, engine: string): NonNullable<UpdateRule[F]> {
  const f = rule[form];
  if (f === undefined) {
    const has = (['thin', 'samples', 'matrix'] as const).filter((k) => rule[k] !== undefined);
    throw new ValidationError('rule', rule.name, `a rule with a "${form}" form for ${engine} (rule "${rule.name}" has: ${has.join(', ') || 'none'})`);
  }
  return f as NonNullable<UpdateRule[F]>;
}
