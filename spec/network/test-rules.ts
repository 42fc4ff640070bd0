/**
 * Two learning rules written outside src/network, against the UpdateRule interface only (rule.ts): they prove
 * that a rule plugs into every engine without touching an engine loop. Each has all three forms.
 *
 * - `feedbackAlignment(B)`: layer ℓ's signal uses fixed matrices B in place of W for every layer above it,
 *   G_ℓ = (B_cᵀ G_c) ∘ φ′(Z_ℓ), the top layer keeping its true gradient. With B = W(0) ('initial') its first
 *   step is exactly gradient descent's.
 * - `directFeedback(seed)`: DFA, G_ℓ = (B_ℓᵀ δ) ∘ φ′(Z_ℓ) with a fixed random n_out×rows_ℓ projection B_ℓ of
 *   the output error for every hidden layer, the top layer keeping its true gradient.
 */
import { Matrix } from 'ml-matrix';
import type { Mat } from '../../src/network/matrix.ts';
import type { LayerRef, UpdateRule } from '../../src/network/rule.ts';
import { createRandom } from '../../src/util/random.ts';

const consumerOf = (l: LayerRef): number => (l.consumers.length === 0 ? -1 : l.consumers[0]!);

/** Feedback matrices for every layer: a copy of the initial weights, or Gaussian entries from a seed. */
function feedbackMatrices(layers: readonly LayerRef[], source: 'initial' | { seed: number; scale: number }, allocate: (n: number) => Float64Array = (n) => new Float64Array(n)): Mat[] {
  const random = source === 'initial' ? null : createRandom(source.seed);
  return layers.map((l) => {
    const data = allocate(l.rows * l.cols);
    if (source === 'initial') data.set(l.weights.data);
    else for (let i = 0; i < data.length; i++) data[i] = source.scale * random!.normal();
    return { rows: l.rows, cols: l.cols, data };
  });
}

export function feedbackAlignment(source: 'initial' | { seed: number; scale: number }): UpdateRule {
  return {
    name: source === 'initial' ? 'feedback alignment, B = W(0)' : 'feedback alignment, random B',
    thin: {
      memory(network, task) {
        // B of every layer (in kernel memory: the suffix kernel reads it) and a suffix per hidden layer.
        const lengths: number[] = [];
        for (const p of network.pathways) {
          p.layers.forEach((w, d) => {
            lengths.push(w.rows * w.cols);
            if (d + 1 < p.depth) lengths.push(task.outputDim * w.rows);
          });
        }
        return lengths;
      },
      bind({ layers, allocate, outputIdentity, ops, task }) {
        const b = feedbackMatrices(layers, source, allocate);
        // B is fixed, so the suffixes Q_B (n_out×rows) are formed once, top down.
        const suffix: Float64Array[] = new Array<Float64Array>(layers.length);
        for (let i = layers.length - 1; i >= 0; i--) {
          const c = consumerOf(layers[i]!);
          if (c < 0) suffix[i] = outputIdentity;
          else {
            suffix[i] = allocate(task.outputDim * layers[i]!.rows);
            ops.suffix(suffix[i]!, suffix[c]!, b[c]!);
          }
        }
        return {
          signals(state, out) {
            for (let i = layers.length - 1; i >= 0; i--) ops.transposeLeft(out[i]!, suffix[i]!, state.residual, task.outputDim, layers[i]!.rows);
          },
        };
      },
    },
    samples: {
      bind({ layers, samples, ops }) {
        const b = feedbackMatrices(layers, source);
        const back = layers.map((l) => new Float64Array(l.rows * samples));
        return {
          signals(state, out) {
            for (let i = layers.length - 1; i >= 0; i--) {
              const c = consumerOf(layers[i]!);
              const s = state.slope(i);
              let v = state.outputError;
              if (c >= 0) {
                v = back[i]!;
                ops.transposeMul(v, b[c]!, out[c]!);
              }
              for (let k = 0; k < s.length; k++) out[i]![k] = v[k]! * s[k]!;
            }
          },
        };
      },
    },
    matrix: {
      bind({ layers }) {
        const b = feedbackMatrices(layers, source).map((m) => Matrix.from1DArray(m.rows, m.cols, m.data));
        return {
          signals(state) {
            const g: Matrix[] = new Array<Matrix>(layers.length);
            for (let i = layers.length - 1; i >= 0; i--) {
              const c = consumerOf(layers[i]!);
              const arriving = c < 0 ? state.error.clone() : Matrix.zeros(layers[i]!.rows, state.error.columns).add(b[c]!.transpose().mmul(g[c]!));
              g[i] = arriving.mul(state.slope(i));
            }
            return g;
          },
        };
      },
    },
  };
}

export function directFeedback(seed: number, scale = 0.5): UpdateRule {
  /** B_ℓ (n_out×rows_ℓ) for every hidden layer, in θ order; the same draws for every form. */
  const projections = (layers: readonly LayerRef[], nOut: number): (Float64Array | null)[] => {
    const random = createRandom(seed);
    return layers.map((l) => (l.consumers.length === 0 ? null : Float64Array.from({ length: nOut * l.rows }, () => scale * random.normal())));
  };
  return {
    name: 'direct feedback alignment',
    thin: {
      bind({ layers, outputIdentity, ops, task }) {
        const b = projections(layers, task.outputDim);
        return {
          signals(state, out) {
            layers.forEach((l, i) => ops.transposeLeft(out[i]!, b[i] ?? outputIdentity, state.residual, task.outputDim, l.rows));
          },
        };
      },
    },
    samples: {
      bind({ layers, samples, ops, task }) {
        const b = projections(layers, task.outputDim);
        const back = layers.map((l) => new Float64Array(l.rows * samples));
        return {
          signals(state, out) {
            layers.forEach((l, i) => {
              const s = state.slope(i);
              let v = state.outputError;
              if (b[i] !== null) {
                v = back[i]!;
                ops.transposeMul(v, { rows: task.outputDim, cols: l.rows, data: b[i]! }, state.outputError);
              }
              for (let k = 0; k < s.length; k++) out[i]![k] = v[k]! * s[k]!;
            });
          },
        };
      },
    },
    matrix: {
      bind({ layers, task }) {
        const b = projections(layers, task.outputDim).map((p, i) => (p === null ? null : Matrix.from1DArray(task.outputDim, layers[i]!.rows, p)));
        return {
          signals(state) {
            return layers.map((_, i) => (b[i] === null ? state.error.clone() : b[i]!.transpose().mmul(state.error)).mul(state.slope(i)));
          },
        };
      },
    },
  };
}
