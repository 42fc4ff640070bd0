/**
 * Error-modulated Hebbian learning (Bordelon & Pehlevan 2023, research/other-seeds.md §3(a)): the pseudo-
 * gradient of a hidden layer is its own output scaled by the sample's error, g̃_μ = Δ_μ φ(h_μ), so
 *     ΔW_ℓ = η Σ_μ ‖δ_μ‖² φ(Z_ℓ)_μ H_ℓ,μᵀ
 * (‖δ_μ‖² the squared output error of sample μ, Δ_μ² for one output); the top layer keeps its true gradient.
 * In the thin (covariance) form the columns are the whitened task's input directions, which are its samples
 * for tasks posed by singular values and for one-hot datasets (X = I): δ_μ is then column μ of E = Σʸˣ − ΩΣˣ.
 */
import type { Matrix } from 'ml-matrix';
import type { LayerRef, UpdateRule } from '../rule.ts';

/** A factor on a hidden layer's signal (1 in the standard parameterisation; see parameterisation.ts). */
export type SignalScale = (layer: LayerRef, layers: readonly LayerRef[]) => number;

/** out[:, μ] = ‖err[:, μ]‖² · act[:, μ], for act rows×P and err n_out×P (row-major). */
function modulate(out: Float64Array, act: ArrayLike<number>, err: ArrayLike<number>, rows: number, nOut: number, P: number, scale: number): void {
  for (let mu = 0; mu < P; mu++) {
    let e2 = 0;
    for (let o = 0; o < nOut; o++) e2 += err[o * P + mu]! ** 2;
    e2 *= scale;
    for (let r = 0; r < rows; r++) out[r * P + mu] = e2 * act[r * P + mu]!;
  }
}

/** Error-modulated Hebb with each hidden layer's signal multiplied by `scale(layer)`. */
export function errorModulatedHebb(scale: SignalScale = () => 1): UpdateRule {
  return {
  name: 'error-modulated Hebb',
  thin: {
    bind({ layers, ops, outputIdentity, task }) {
      const nOut = task.outputDim;
      const nIn = task.inputDim;
      const c = layers.map((l) => scale(l, layers));
      return {
        signals(state, out) {
          layers.forEach((l, i) => {
            if (l.consumers.length === 0) ops.transposeLeft(out[i]!, outputIdentity, state.residual, nOut, l.rows);
            else modulate(out[i]!, state.output(i), state.residual, l.rows, nOut, nIn, c[i]!);
          });
        },
      };
    },
  },
  samples: {
    bind({ layers, samples, task }) {
      const c = layers.map((l) => scale(l, layers));
      return {
        signals(state, out) {
          layers.forEach((l, i) => {
            if (l.consumers.length === 0) {
              const s = state.slope(i);
              const e = state.outputError;
              for (let k = 0; k < s.length; k++) out[i]![k] = e[k]! * s[k]!;
            } else modulate(out[i]!, state.output(i), state.outputError, l.rows, task.outputDim, samples, c[i]!);
          });
        },
      };
    },
  },
  matrix: {
    bind({ layers }) {
      const c = layers.map((l) => scale(l, layers));
      return {
        signals(state) {
          const err = state.error;
          const e2 = Array.from({ length: err.columns }, (_, mu) => err.getColumn(mu).reduce((s, x) => s + x * x, 0));
          return layers.map((l, i): Matrix => {
            if (l.consumers.length === 0) return err.clone().mul(state.slope(i));
            const act = state.output(i).clone();
            for (let mu = 0; mu < act.columns; mu++) for (let r = 0; r < act.rows; r++) act.set(r, mu, act.get(r, mu) * e2[mu]! * c[i]!);
            return act;
          });
        },
      };
    },
  },
  };
}

export const hebbRule: UpdateRule = errorModulatedHebb();
