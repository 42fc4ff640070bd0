/**
 * Direct feedback alignment (Nøkland 2016): every hidden layer gets the output error through a fixed random
 * projection F_ℓ (rows_ℓ × n_out), G_ℓ = (F_ℓ δ) ∘ φ′(Z_ℓ); the top layer keeps its true gradient. For linear
 * pathways a GD step is W^d ← W^d + η F^d E (W^{d−1} ⋯ W^1)ᵀ. The rule keeps Fᵀ (n_out × rows), the "suffix"
 * the thin kernels take, so G = (Fᵀ)ᵀE is the gradient rule's product with a fixed suffix.
 */
import { Matrix } from 'ml-matrix';
import { ValidationError } from '../../util/errors.ts';
import { createRandom } from '../../util/random.ts';
import type { Mat } from '../matrix.ts';
import type { LayerRef, UpdateRule } from '../rule.ts';

/** Fᵀ (n_out × rows_ℓ) of every hidden layer, null for the layers that feed the output. */
export type ProjectionSource = (layers: readonly LayerRef[], nOut: number) => (Float64Array | null)[];

export function directFeedbackRule(name: string, source: ProjectionSource): UpdateRule {
  return {
    name,
    thin: {
      bind({ layers, outputIdentity, ops, task }) {
        const f = source(layers, task.outputDim);
        return {
          signals(state, out) {
            layers.forEach((l, i) => ops.transposeLeft(out[i]!, f[i] ?? outputIdentity, state.residual, task.outputDim, l.rows));
          },
        };
      },
    },
    samples: {
      bind({ layers, samples, ops, task }) {
        const f = source(layers, task.outputDim);
        const back = layers.map((l) => new Float64Array(l.rows * samples));
        return {
          signals(state, out) {
            layers.forEach((l, i) => {
              const s = state.slope(i);
              let v = state.outputError;
              if (f[i] !== null) {
                v = back[i]!;
                ops.transposeMul(v, { rows: task.outputDim, cols: l.rows, data: f[i]! }, state.outputError);
              }
              for (let k = 0; k < s.length; k++) out[i]![k] = v[k]! * s[k]!;
            });
          },
        };
      },
    },
    matrix: {
      bind({ layers, task }) {
        const f = source(layers, task.outputDim).map((p, i) => (p === null ? null : Matrix.from1DArray(task.outputDim, layers[i]!.rows, Array.from(p))));
        return {
          signals(state) {
            return layers.map((_, i) => (f[i] === null ? state.error.clone() : f[i]!.transpose().mmul(state.error)).mul(state.slope(i)));
          },
        };
      },
    },
  };
}

/**
 * DFA with projections drawn from `seed` (hidden layers in θ order, entries N(0, 1/n_out), or N(0, s²) with
 * s = `scale(layer)` when given: the mean-field parameterisation's 1/(γ₀N), parameterisation.ts).
 */
export function randomDirectFeedback(seed: number, scale?: (layer: LayerRef, layers: readonly LayerRef[]) => number): UpdateRule {
  return directFeedbackRule('direct feedback alignment', (layers, nOut) => {
    const random = createRandom(seed);
    return layers.map((l) => {
      if (l.consumers.length === 0) return null;
      const s = scale === undefined ? 1 / Math.sqrt(nOut) : scale(l, layers);
      return Float64Array.from({ length: nOut * l.rows }, () => s * random.normal());
    });
  });
}

/** DFA with given projections: `projections[a][d − 1]` = F_a^d (size_d × n_out), d = 1 … D_a − 1. */
export function explicitDirectFeedback(projections: readonly (readonly Mat[])[]): UpdateRule {
  return directFeedbackRule('direct feedback alignment (given F)', (layers, nOut) =>
    layers.map((l) => {
      if (l.consumers.length === 0) return null;
      const F = projections[l.pathway]?.[l.depth];
      if (F === undefined || F.rows !== l.rows || F.cols !== nOut) {
        throw new ValidationError(`train.rule.projections[${l.pathway}][${l.depth}]`, F === undefined ? undefined : `${F.rows}×${F.cols}`, `a ${l.rows}×${nOut} matrix (size of layer ${l.depth + 1}'s output × n_out)`);
      }
      // Stored transposed: n_out × rows.
      const t = new Float64Array(nOut * l.rows);
      for (let r = 0; r < l.rows; r++) for (let o = 0; o < nOut; o++) t[o * l.rows + r] = F.data[r * nOut + o]!;
      return t;
    }),
  );
}
