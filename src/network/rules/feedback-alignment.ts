/**
 * Feedback alignment (Lillicrap et al. 2016; ρ-FA of Bordelon & Pehlevan 2023): a layer's signal comes back
 * through fixed matrices B in place of the weights above it, G_ℓ = (B_cᵀ G_c) ∘ φ′(Z_ℓ) for the layer c it feeds,
 * the top layer keeping its true gradient. For linear pathways (the thin form) a GD step is then
 *     W^d ← W^d + η (B^D ⋯ B^{d+1})ᵀ E (W^{d−1} ⋯ W^1)ᵀ,   E = Σʸˣ − ΩΣˣ.
 * B is fixed, so the suffixes (B^D ⋯ B^{d+1}) are formed once, at bind time.
 */
import { Matrix } from 'ml-matrix';
import { ValidationError } from '../../util/errors.ts';
import { createRandom } from '../../util/random.ts';
import type { Mat } from '../matrix.ts';
import type { LayerRef, UpdateRule } from '../rule.ts';

const consumerOf = (l: LayerRef): number => (l.consumers.length === 0 ? -1 : l.consumers[0]!);

/** B of every layer that feeds another (null for the first layer of each pathway: its B is never used). */
export type FeedbackSource = (layers: readonly LayerRef[]) => (Mat | null)[];

function checkChains(layers: readonly LayerRef[]): void {
  for (const l of layers) if (l.consumers.length > 1) throw new ValidationError('train.rule', 'feedback alignment', 'a network of chains (a layer with one consumer at most)');
}

/** The FA rule for a source of B matrices, with all three engine forms. */
export function feedbackAlignmentRule(name: string, source: FeedbackSource): UpdateRule {
  const matrices = (layers: readonly LayerRef[]): (Mat | null)[] => {
    checkChains(layers);
    return source(layers);
  };
  return {
    name,
    thin: {
      memory(network, task) {
        // The copy of B of each layer (in kernel memory, where the suffix kernel reads it) and a suffix per hidden layer.
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
        const b = matrices(layers).map((m, i): Mat => {
          const data = allocate(layers[i]!.rows * layers[i]!.cols);
          if (m !== null) data.set(m.data);
          return { rows: layers[i]!.rows, cols: layers[i]!.cols, data };
        });
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
        const b = matrices(layers);
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
        const b = matrices(layers).map((m) => (m === null ? null : Matrix.from1DArray(m.rows, m.cols, Array.from(m.data))));
        return {
          signals(state) {
            const g: Matrix[] = new Array<Matrix>(layers.length);
            for (let i = layers.length - 1; i >= 0; i--) {
              const c = consumerOf(layers[i]!);
              const arriving = c < 0 ? state.error.clone() : b[c]!.transpose().mmul(g[c]!);
              g[i] = arriving.mul(state.slope(i));
            }
            return g;
          },
        };
      },
    },
  };
}

/** Root mean square of a matrix's entries. */
function rms(m: Mat): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i]! ** 2;
  return Math.sqrt(s / m.data.length);
}

/**
 * ρ-feedback alignment: B^l = ρ W^l(0) + √(1 − ρ²) W̃^l with W̃^l Gaussian, drawn from `seed` pathway by pathway,
 * layer by layer (d = 2 … D_a), each entry N(0, s²) with s the RMS of W^l(0)'s entries (so B keeps the layer's
 * scale; s = 1/√cols for a zero layer). ρ = 0 is plain FA; ρ = 1 freezes B = W(0), GD's first step.
 */
export function rhoFeedbackAlignment(rho: number, seed: number): UpdateRule {
  const keep = Math.sqrt(Math.max(0, 1 - rho * rho));
  return feedbackAlignmentRule(`feedback alignment (ρ = ${rho})`, (layers) => {
    const random = createRandom(seed);
    return layers.map((l) => {
      if (l.depth === 0) return null;
      const s = rms(l.weights) || 1 / Math.sqrt(l.cols);
      const data = new Float64Array(l.rows * l.cols);
      for (let k = 0; k < data.length; k++) data[k] = rho * l.weights.data[k]! + keep * s * random.normal();
      return { rows: l.rows, cols: l.cols, data };
    });
  });
}

/** Feedback alignment with given B: `feedback[a][d − 2]` = B_a^d (the shape of W_a^d), d = 2 … D_a. */
export function explicitFeedbackAlignment(feedback: readonly (readonly Mat[])[]): UpdateRule {
  return feedbackAlignmentRule('feedback alignment (given B)', (layers) =>
    layers.map((l) => {
      if (l.depth === 0) return null;
      const m = feedback[l.pathway]?.[l.depth - 1];
      if (m === undefined || m.rows !== l.rows || m.cols !== l.cols) {
        throw new ValidationError(`train.rule.feedback[${l.pathway}][${l.depth - 1}]`, m === undefined ? undefined : `${m.rows}×${m.cols}`, `a ${l.rows}×${l.cols} matrix (the shape of W_${l.pathway + 1}^${l.depth + 1})`);
      }
      return m;
    }),
  );
}
