/**
 * The tangent kernel of the RNN's outputs with respect to its recurrent weights, as Liu et al.'s code takes
 * it (`BioRNN_RichLazy/main.py`: one `autograd.grad(output[t,b,k], h2h.weight)` per output):
 *
 *   J[(t,b,k), (i,j)] = ∂y_{t,b,k} / ∂W_rec[i,j],   K = J Jᵀ,
 *
 * rows in the authors' order (t outer, then trial b, output k inner: row (t·B + b)·n_out + k), columns vec(W_rec)
 * row-major (i·n + j, PyTorch's weight layout). Each row is one reverse-mode pass from its output alone — the
 * same thing autograd does per output: seed ∂y/∂h_{t+1} = W_out[k,:], then back through steps s = t … 1
 * (dz_s = g ∘ 1[h_{s+1} > 0], J-row += α dz_s h_sᵀ, g ← (1 − α) dz_s + α W_recᵀ dz_s); h₀ = 0 ends it.
 * Trials are independent, so only trial b's activity enters its rows.
 */
import { forward, RnnWorkspace, sparseTimes, type RnnWeights } from './network.ts';
import type { DecisionBatch } from './task.ts';

/** The (T·B·n_out) × n² Jacobian, row-major. */
export function recurrentJacobian(w: RnnWeights, batch: DecisionBatch, ws = new RnnWorkspace(w.n, batch.steps, batch.batch, w.nOut)): Float64Array {
  const { n, nOut, alpha, wRec, wOut } = w;
  const B = batch.batch;
  const T = batch.steps;
  forward(w, batch, ws);
  const h = ws.h;
  const rows = T * B * nOut;
  const J = new Float64Array(rows * n * n);
  const g = new Float64Array(n);
  const dz = new Float64Array(n);
  const keep = 1 - alpha;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < nOut; k++) {
        const row = ((t * B + b) * nOut + k) * n * n;
        for (let i = 0; i < n; i++) g[i] = wOut[k * n + i]!;
        for (let s = t; s >= 1; s--) {
          const hn = ((s + 1) * B + b) * n;
          const hs = (s * B + b) * n;
          for (let i = 0; i < n; i++) dz[i] = h[hn + i]! > 0 ? g[i]! : 0;
          for (let i = 0; i < n; i++) {
            const d = alpha * dz[i]!;
            if (d === 0) continue;
            const o = row + i * n;
            for (let j = 0; j < n; j++) J[o + j] += d * h[hs + j]!;
          }
          // g ← (1 − α) dz + α W_recᵀ dz: the row vector dz · W_rec.
          sparseTimes(g, 0, dz, 0, 1, n, wRec, 0, n, ws.idx, ws.val);
          for (let i = 0; i < n; i++) g[i] = keep * dz[i]! + alpha * g[i]!;
        }
      }
    }
  }
  return J;
}

/** K = J Jᵀ of a rows × cols matrix, as a rows × rows Float64Array (symmetric, both halves written). */
export function gram(J: Float64Array, rows: number, cols: number): Float64Array {
  const K = new Float64Array(rows * rows);
  // Two rows against two rows per pass over the columns: four dot products from four loads per column.
  for (let a = 0; a < rows; a += 2) {
    const a1 = Math.min(a + 1, rows - 1);
    const oa = a * cols;
    const ob = a1 * cols;
    for (let c = 0; c <= a1; c += 2) {
      const c1 = Math.min(c + 1, rows - 1);
      const oc = c * cols;
      const od = c1 * cols;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let q = 0; q < cols; q++) {
        const x0 = J[oa + q]!, x1 = J[ob + q]!, y0 = J[oc + q]!, y1 = J[od + q]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      K[a * rows + c] = s00;
      K[c * rows + a] = s00;
      K[a * rows + c1] = s01;
      K[c1 * rows + a] = s01;
      K[a1 * rows + c] = s10;
      K[c * rows + a1] = s10;
      K[a1 * rows + c1] = s11;
      K[c1 * rows + a1] = s11;
    }
  }
  return K;
}

/** The recurrent tangent kernel K = J Jᵀ on a batch: size (T·B·n_out)² with `size` its side. */
export function recurrentTangentKernel(w: RnnWeights, batch: DecisionBatch): { kernel: Float64Array; size: number } {
  const J = recurrentJacobian(w, batch);
  const size = batch.steps * batch.batch * w.nOut;
  return { kernel: gram(J, size, w.n * w.n), size };
}
