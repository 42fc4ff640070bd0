/**
 * A gated linear network (Bordelon & Pehlevan 2023, research/other-seeds.md §3(a); Veness et al.'s gating):
 * every hidden layer's output is multiplied by fixed gates computed from the input alone,
 *     h^{l+1} = W^l (g^l(x) ⊙ h^l),   g^l(x) = Θ(M^l x)   (Θ(m) = 1 for m > 0, else 0: ReLU's φ′ at m),
 * with frozen random M^l (size_l × n_in), and the network is trained by the exact gradient of this gated
 * network. The gates are a rule's forward-pass seam (`UpdateRule.gates`); the signals are gradient descent's
 * sample forms, which already multiply by the slopes the engines gate. The layers that feed the output are
 * not gated (the paper gates hidden layers; the read-out stays linear).
 */
import { ValidationError } from '../../util/errors.ts';
import { createRandom } from '../../util/random.ts';
import { gradientRule } from '../gradient-rule.ts';
import type { Mat } from '../matrix.ts';
import type { LayerRef, UpdateRule } from '../rule.ts';

/** M (rows_ℓ × n_in, row-major) of every hidden layer, null for the layers that feed the output. */
export type GateProjectionSource = (layers: readonly LayerRef[], nIn: number) => (Float64Array | null)[];

export function gatedLinearRule(name: string, source: GateProjectionSource): UpdateRule {
  return {
    name,
    gates: {
      bind({ layers, task }) {
        const nIn = task.inputDim;
        const m = source(layers, nIn);
        return {
          at(input, cols) {
            return layers.map((l, i) => {
              const mi = m[i]!;
              if (mi === null) return null;
              const g = new Float64Array(l.rows * cols);
              for (let r = 0; r < l.rows; r++) {
                for (let c = 0; c < cols; c++) {
                  let s = 0;
                  for (let k = 0; k < nIn; k++) s += mi[r * nIn + k]! * input[k * cols + c]!;
                  g[r * cols + c] = s > 0 ? 1 : 0;
                }
              }
              return g;
            });
          },
        };
      },
    },
    samples: gradientRule.samples!,
    matrix: gradientRule.matrix!,
  };
}

/** Gates from projections drawn from `seed` (hidden layers in θ order, entries N(0, 1): only their signs matter). */
export function randomGatedLinear(seed: number): UpdateRule {
  return gatedLinearRule('gated linear network', (layers, nIn) => {
    const random = createRandom(seed);
    return layers.map((l) => (l.consumers.length === 0 ? null : Float64Array.from({ length: l.rows * nIn }, () => random.normal())));
  });
}

/** Gates from given projections: `gates[a][d − 1]` = M_a^d (size_d × n_in), d = 1 … D_a − 1. */
export function explicitGatedLinear(gates: readonly (readonly Mat[])[]): UpdateRule {
  return gatedLinearRule('gated linear network (given M)', (layers, nIn) =>
    layers.map((l) => {
      if (l.consumers.length === 0) return null;
      const M = gates[l.pathway]?.[l.depth];
      if (M === undefined || M.rows !== l.rows || M.cols !== nIn) {
        throw new ValidationError(`train.rule.gates[${l.pathway}][${l.depth}]`, M === undefined ? undefined : `${M.rows}×${M.cols}`, `a ${l.rows}×${nIn} matrix (size of layer ${l.depth + 1}'s output × n_in)`);
      }
      return M.data;
    }),
  );
}
