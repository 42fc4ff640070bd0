/**
 * Diagnostics of a trained network: the balancedness invariant and how much of a pathway lies off the
 * task's mode diagonal (DESIGN §2.5, §2.6).
 */
import { zeros, type Mat } from './matrix.ts';
import type { Network } from './network.ts';

/**
 * W^{d+1ᵀ}W^{d+1} − W^d W^{dᵀ} for every pair of consecutive layers of every pathway ([a][d], N×N each).
 * Gradient flow conserves it exactly; a gradient-descent step changes it by O(η²). Costs O(N³): a diagnostic.
 */
export function weightInvariants(net: Network): Mat[][] {
  return net.pathways.map((p) => {
    const out: Mat[] = [];
    for (let d = 0; d + 1 < p.depth; d++) {
      const lower = p.layers[d]!;
      const upper = p.layers[d + 1]!;
      const n = lower.rows;
      const m = zeros(n, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let r = 0; r < upper.rows; r++) s += upper.data[r * n + i]! * upper.data[r * n + j]!;
          for (let c = 0; c < lower.cols; c++) s -= lower.data[i * lower.cols + c]! * lower.data[j * lower.cols + c]!;
          m.data[i * n + j] = s;
        }
      }
      out.push(m);
    }
    return out;
  });
}

/** ‖offdiag(K_a)‖_F / ‖K_a‖_F (0 for a zero matrix). */
export function offDiagonalMass(k: Mat): number {
  let off = 0;
  let all = 0;
  for (let i = 0; i < k.rows; i++) {
    for (let j = 0; j < k.cols; j++) {
      const v = k.data[i * k.cols + j]! ** 2;
      all += v;
      if (i !== j) off += v;
    }
  }
  return all === 0 ? 0 : Math.sqrt(off / all);
}
