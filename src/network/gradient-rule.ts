/**
 * The true gradient, the default rule of every engine: G_ℓ H_ℓᵀ = −∂L/∂W_ℓ.
 *
 * - thin (linear pathways): with the suffix Q_ℓ (n_out×rows_ℓ) = the map from the layer's output to the network
 *   output (Q = I for a last layer, Q_ℓ = Q_c W_c for its consumer c), G_ℓ = Q_ℓᵀ E, so
 *   −∂L/∂W^d = Q^{d+1ᵀ} (Σ^{yx} − ΩΣ^x) P^{dᵀ} (DESIGN §2.1). The suffixes are O(N² n_out) per layer and never
 *   form an N×N product; they are rebuilt from the current weights on every call.
 * - samples: backpropagation, G_ℓ = δ ∘ φ′(Z_ℓ) for a last layer, G_ℓ = (W_cᵀ G_c) ∘ φ′(Z_ℓ) below.
 * - matrix: the same recursion with ml-matrix, summing over consumers.
 * The fast forms handle chains (at most one consumer per layer), which is every network so far.
 */
import { Matrix } from 'ml-matrix';
import type { Network } from './network.ts';
import type { LayerRef, MatrixForm, SampleForm, ThinForm, UpdateRule } from './rule.ts';
import type { Task } from './task.ts';

function onlyConsumer(layer: LayerRef): number {
  if (layer.consumers.length > 1) {
    throw new Error(`gradient rule: layer ${layer.index} has ${layer.consumers.length} consumers; the fast forms handle chains only`);
  }
  return layer.consumers.length === 0 ? -1 : layer.consumers[0]!;
}

const thin: ThinForm = {
  memory(network: Network, task: Task): number[] {
    // One suffix per layer that does not feed the output: n_out × rows.
    const lengths: number[] = [];
    for (const p of network.pathways) for (let d = 0; d + 1 < p.depth; d++) lengths.push(task.outputDim * p.dims[d + 1]!);
    return lengths;
  },
  bind({ layers, allocate, outputIdentity, ops, task }) {
    const nOut = task.outputDim;
    const next = layers.map(onlyConsumer);
    const suffix = layers.map((l, i) => (next[i]! < 0 ? outputIdentity : allocate(nOut * l.rows)));
    return {
      signals(state, out) {
        // Top down, so each suffix is formed from its consumer's fresh one.
        for (let i = layers.length - 1; i >= 0; i--) {
          const c = next[i]!;
          if (c >= 0) ops.suffix(suffix[i]!, suffix[c]!, layers[c]!.weights);
          ops.transposeLeft(out[i]!, suffix[i]!, state.residual, nOut, layers[i]!.rows);
        }
      },
    };
  },
};

const samples: SampleForm = {
  bind({ layers, samples: P, ops }) {
    const next = layers.map(onlyConsumer);
    const back = layers.map((l) => new Float64Array(l.rows * P));
    return {
      signals(state, out) {
        for (let i = layers.length - 1; i >= 0; i--) {
          const c = next[i]!;
          const g = out[i]!;
          const s = state.slope(i);
          let v: Float64Array;
          if (c < 0) v = state.outputError;
          else {
            v = back[i]!;
            ops.transposeMul(v, layers[c]!.weights, out[c]!);
          }
          for (let k = 0; k < g.length; k++) g[k] = v[k]! * s[k]!;
        }
      },
    };
  },
};

const matrix: MatrixForm = {
  bind({ layers }) {
    return {
      signals(state) {
        const g: Matrix[] = new Array<Matrix>(layers.length);
        for (let i = layers.length - 1; i >= 0; i--) {
          const l = layers[i]!;
          // The error arriving at the layer's output: δ (or E) at the network output, else back through W_c.
          let arriving = l.consumers.length === 0 ? state.error.clone() : Matrix.zeros(l.rows, state.error.columns);
          for (const c of l.consumers) arriving = arriving.add(state.weight(c).transpose().mmul(g[c]!));
          g[i] = arriving.mul(state.slope(i));
        }
        return g;
      },
    };
  },
};

/** The true gradient (gradient descent and gradient flow); the default of every engine. */
export const gradientRule: UpdateRule = { name: 'gradient', thin, samples, matrix };
