/**
 * The discretised ReLU RNN of Liu et al.'s code (a continuous-time RNN stepped at dt = τ α, no biases, h₀ = 0):
 *
 *   h_{t+1} = ReLU((1 − α) h_t + α (W_in x_t + W_rec h_t)),   y_t = W_out h_{t+1},   t = 0 … T−1
 *
 * and its cross-entropy loss with backpropagation through time. Everything works on Float64Array in row-major
 * layout (W_in n×n_in, W_rec n×n, W_out n_out×n; activities time-major, h[(t·B + b)·n + i] with h[0…] = h₀ = 0),
 * with plain loops: the products are the whole cost of an iteration and ml-matrix allocates per product.
 *
 * One product kernel does all three O(B T n²) products of an iteration (`sparseTimes`, out = A·M skipping the
 * zeros of A): the recurrent drive H_t W_recᵀ, the carry back through time D_t W_rec and the recurrent gradient
 * Σ_t D_tᵀ H_t. A ReLU network's A is about half zeros in each (inactive units have h = 0 and a zero local
 * gradient), so skipping them halves the work; see bench/rnn/run.ts for the speed against PyTorch.
 */
import { ValidationError } from '../../util/errors.ts';
import { TASK_CLASSES, TASK_INPUTS, type DecisionBatch } from './task.ts';

export interface RnnWeights {
  /** Hidden units. */
  readonly n: number;
  /** 3 (the task's inputs): the hot loops are written out for three inputs and three outputs. */
  readonly nIn: number;
  /** 3 (fixate, choice 1, choice 2). */
  readonly nOut: number;
  /** dt/τ in (0, 1]. */
  readonly alpha: number;
  /** n×n_in. */
  readonly wIn: Float64Array;
  /** n×n: wRec[i·n + j] is the weight from unit j to unit i. */
  readonly wRec: Float64Array;
  /** n_out×n. */
  readonly wOut: Float64Array;
}

export interface RnnGradient {
  readonly wIn: Float64Array;
  readonly wRec: Float64Array;
  readonly wOut: Float64Array;
}

/** Cross-entropy and accuracy of one batch. */
export interface BatchLoss {
  /** Mean of −log softmax(y_t)[target] over the counted steps and trials. */
  readonly loss: number;
  /** Decision-period steps whose arg-max output is the target, and how many there were. */
  readonly correct: number;
  readonly decisions: number;
}

export function zeroGradient(w: RnnWeights): RnnGradient {
  return { wIn: new Float64Array(w.wIn.length), wRec: new Float64Array(w.wRec.length), wOut: new Float64Array(w.wOut.length) };
}

/** out = A·M (A rows×inner, M inner×cols, out rows×cols), the zero entries of A skipped. `idx` holds ≥ inner ints. */
export function sparseTimes(out: Float64Array, outAt: number, a: Float64Array, aAt: number, rows: number, inner: number, m: Float64Array, mAt: number, cols: number, idx: Int32Array, val: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const ao = aAt + r * inner;
    const oo = outAt + r * cols;
    let nnz = 0;
    for (let j = 0; j < inner; j++) {
      const v = a[ao + j]!;
      if (v !== 0) {
        idx[nnz] = mAt + j * cols;
        val[nnz++] = v;
      }
    }
    out.fill(0, oo, oo + cols);
    let k = 0;
    // Eight rows of M per pass over the output row: one load and store of out per eight multiply-adds.
    for (; k + 8 <= nnz; k += 8) {
      const r0 = idx[k]!, r1 = idx[k + 1]!, r2 = idx[k + 2]!, r3 = idx[k + 3]!, r4 = idx[k + 4]!, r5 = idx[k + 5]!, r6 = idx[k + 6]!, r7 = idx[k + 7]!;
      const v0 = val[k]!, v1 = val[k + 1]!, v2 = val[k + 2]!, v3 = val[k + 3]!, v4 = val[k + 4]!, v5 = val[k + 5]!, v6 = val[k + 6]!, v7 = val[k + 7]!;
      // Two columns per pass (measured ~10% faster than one at n = 100 and 300).
      let c = 0;
      for (; c + 2 <= cols; c += 2) {
        const c1 = c + 1;
        out[oo + c] += v0 * m[r0 + c]! + v1 * m[r1 + c]! + v2 * m[r2 + c]! + v3 * m[r3 + c]! + v4 * m[r4 + c]! + v5 * m[r5 + c]! + v6 * m[r6 + c]! + v7 * m[r7 + c]!;
        out[oo + c1] += v0 * m[r0 + c1]! + v1 * m[r1 + c1]! + v2 * m[r2 + c1]! + v3 * m[r3 + c1]! + v4 * m[r4 + c1]! + v5 * m[r5 + c1]! + v6 * m[r6 + c1]! + v7 * m[r7 + c1]!;
      }
      if (c < cols) {
        out[oo + c] += v0 * m[r0 + c]! + v1 * m[r1 + c]! + v2 * m[r2 + c]! + v3 * m[r3 + c]! + v4 * m[r4 + c]! + v5 * m[r5 + c]! + v6 * m[r6 + c]! + v7 * m[r7 + c]!;
      }
    }
    for (; k + 2 <= nnz; k += 2) {
      const r0 = idx[k]!, r1 = idx[k + 1]!;
      const v0 = val[k]!, v1 = val[k + 1]!;
      for (let c = 0; c < cols; c++) out[oo + c] += v0 * m[r0 + c]! + v1 * m[r1 + c]!;
    }
    if (k < nnz) {
      const r0 = idx[k]!;
      const v0 = val[k]!;
      for (let c = 0; c < cols; c++) out[oo + c] += v0 * m[r0 + c]!;
    }
  }
}

export function transposeInto(out: Float64Array, m: Float64Array, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
}

/** Buffers of one batch shape, reused across iterations (an iteration allocates nothing). */
export class RnnWorkspace {
  readonly n: number;
  readonly steps: number;
  readonly batch: number;
  /** (T+1)·B·n activities, h[0…B·n) = h₀ = 0. */
  readonly h: Float64Array;
  /** T·B·n_out outputs. */
  readonly y: Float64Array;
  /** T·B·n local gradients ∂L/∂u_t (u the pre-activation). */
  readonly dz: Float64Array;
  /** n × (T−1)·B: the local gradients of steps 1 … T−1 transposed, for Σ_t D_tᵀ H_t. */
  readonly dzT: Float64Array;
  /** B·n: ∂L/∂h_t through step t (the carry back in time). */
  readonly carry: Float64Array;
  /** W_recᵀ (refreshed by `forward`). */
  readonly wT: Float64Array;
  readonly dyT: Float64Array;
  readonly idx: Int32Array;
  readonly val: Float64Array;
  constructor(n: number, steps: number, batch: number, nOut = TASK_CLASSES) {
    this.n = n;
    this.steps = steps;
    this.batch = batch;
    this.h = new Float64Array((steps + 1) * batch * n);
    this.y = new Float64Array(steps * batch * nOut);
    this.dz = new Float64Array(steps * batch * n);
    this.dzT = new Float64Array(n * Math.max(0, steps - 1) * batch);
    this.carry = new Float64Array(batch * n);
    this.wT = new Float64Array(n * n);
    this.dyT = new Float64Array(steps * batch * nOut);
    const widest = Math.max(n, (steps - 1) * batch);
    this.idx = new Int32Array(widest);
    this.val = new Float64Array(widest);
  }
}

/** The forward pass: fills ws.h and ws.y (the workspace must match the batch's shape). */
export function forward(w: RnnWeights, batch: DecisionBatch, ws: RnnWorkspace): void {
  const { n, alpha, wIn, wOut } = w;
  const B = batch.batch;
  const T = batch.steps;
  const { h, y, wT, idx, val } = ws;
  const x = batch.inputs;
  transposeInto(wT, w.wRec, n, n);
  const keep = 1 - alpha;
  h.fill(0, 0, B * n);
  for (let t = 0; t < T; t++) {
    const prev = t * B * n;
    const next = prev + B * n;
    // h₀ = 0: the first step has no recurrent drive.
    if (t === 0) h.fill(0, next, next + B * n);
    else sparseTimes(h, next, h, prev, B, n, wT, 0, n, idx, val);
    for (let b = 0; b < B; b++) {
      // Three inputs and three outputs (the task's), written out: a loop of 3 per unit costs as much as a product.
      const xo = (t * B + b) * 3;
      const x0 = x[xo]!, x1 = x[xo + 1]!, x2 = x[xo + 2]!;
      const ho = next + b * n;
      const po = prev + b * n;
      let y0 = 0, y1 = 0, y2 = 0;
      for (let i = 0; i < n; i++) {
        const u = keep * h[po + i]! + alpha * (h[ho + i]! + wIn[3 * i]! * x0 + wIn[3 * i + 1]! * x1 + wIn[3 * i + 2]! * x2);
        const v = u > 0 ? u : 0;
        h[ho + i] = v;
        y0 += wOut[i]! * v;
        y1 += wOut[n + i]! * v;
        y2 += wOut[2 * n + i]! * v;
      }
      const yo = (t * B + b) * 3;
      y[yo] = y0;
      y[yo + 1] = y1;
      y[yo + 2] = y2;
    }
  }
}

/**
 * Cross-entropy of the outputs in ws.y (after `forward`) against the targets, counted from step `lossFrom` on;
 * with `dy` it also writes ∂loss/∂y (zero on the steps not counted).
 */
function crossEntropy(ws: RnnWorkspace, batch: DecisionBatch, nOut: number, lossFrom: number, decisionStart: number, dy: Float64Array | null): BatchLoss {
  const B = batch.batch;
  const T = batch.steps;
  const y = ws.y;
  const counted = (T - lossFrom) * B;
  let loss = 0;
  let correct = 0;
  let decisions = 0;
  if (dy !== null) dy.fill(0);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const o = (t * B + b) * nOut;
      const target = batch.targets[t * B + b]!;
      let top = y[o]!;
      let arg = 0;
      for (let k = 1; k < nOut; k++) {
        if (y[o + k]! > top) {
          top = y[o + k]!;
          arg = k;
        }
      }
      if (t >= decisionStart) {
        decisions++;
        if (arg === target) correct++;
      }
      if (t < lossFrom) continue;
      let sum = 0;
      for (let k = 0; k < nOut; k++) sum += Math.exp(y[o + k]! - top);
      loss += top + Math.log(sum) - y[o + target]!;
      if (dy !== null) {
        for (let k = 0; k < nOut; k++) dy[o + k] = (Math.exp(y[o + k]! - top) / sum - (k === target ? 1 : 0)) / counted;
      }
    }
  }
  return { loss: loss / counted, correct, decisions };
}

/** Loss (and accuracy) of the weights on a batch, no gradient. */
export function batchLoss(w: RnnWeights, batch: DecisionBatch, lossFrom: number, decisionStart: number, ws = new RnnWorkspace(w.n, batch.steps, batch.batch, w.nOut)): BatchLoss {
  forward(w, batch, ws);
  return crossEntropy(ws, batch, w.nOut, lossFrom, decisionStart, null);
}

/**
 * Loss and its gradient by backpropagation through time (written into `grad`, overwriting it):
 * with dz_t = ∂L/∂u_t = (W_outᵀ ∂L/∂y_t + carry_{t+1}) ∘ 1[h_{t+1} > 0] (ReLU'(0) = 0, as PyTorch),
 * ∂L/∂W_rec = α Σ_t dz_t h_tᵀ, ∂L/∂W_in = α Σ_t dz_t x_tᵀ, ∂L/∂W_out = Σ_t ∂L/∂y_t h_{t+1}ᵀ and
 * carry_t = (1 − α) dz_t + α W_recᵀ dz_t.
 */
export function lossAndGradient(w: RnnWeights, batch: DecisionBatch, lossFrom: number, decisionStart: number, ws: RnnWorkspace, grad: RnnGradient): BatchLoss {
  const { n, nOut, alpha, wRec, wOut } = w;
  const B = batch.batch;
  const T = batch.steps;
  forward(w, batch, ws);
  const dy = ws.dyT;
  const result = crossEntropy(ws, batch, nOut, lossFrom, decisionStart, dy);
  const { h, dz, carry, dzT, idx, val } = ws;
  const x = batch.inputs;
  grad.wIn.fill(0);
  grad.wOut.fill(0);
  const keep = 1 - alpha;
  carry.fill(0);
  for (let t = T - 1; t >= 0; t--) {
    const hNext = (t + 1) * B * n;
    const dzo = t * B * n;
    for (let b = 0; b < B; b++) {
      const yo = (t * B + b) * 3;
      const d0 = dy[yo]!, d1 = dy[yo + 1]!, d2 = dy[yo + 2]!;
      const xo = (t * B + b) * 3;
      const x0 = alpha * x[xo]!, x1 = alpha * x[xo + 1]!, x2 = alpha * x[xo + 2]!;
      const ho = hNext + b * n;
      const co = b * n;
      const go = grad.wOut;
      const gi = grad.wIn;
      for (let i = 0; i < n; i++) {
        const v = h[ho + i]!;
        go[i] += d0 * v;
        go[n + i] += d1 * v;
        go[2 * n + i] += d2 * v;
        // ReLU'(u) = 1[h > 0]: an inactive unit passes no gradient back.
        const d = v > 0 ? carry[co + i]! + d0 * wOut[i]! + d1 * wOut[n + i]! + d2 * wOut[2 * n + i]! : 0;
        dz[dzo + co + i] = d;
        if (d !== 0) {
          gi[3 * i] += d * x0;
          gi[3 * i + 1] += d * x1;
          gi[3 * i + 2] += d * x2;
        }
      }
    }
    if (t > 0) {
      // carry_t = (1 − α) dz_t + α W_recᵀ dz_t, rows b: dz_t[b,:] · W_rec.
      sparseTimes(carry, 0, dz, dzo, B, n, wRec, 0, n, idx, val);
      if (alpha !== 1) for (let q = 0; q < B * n; q++) carry[q] = keep * dz[dzo + q]! + alpha * carry[q]!;
    }
  }
  // ∂L/∂W_rec = α Σ_{t≥1} dz_tᵀ h_t (h₀ = 0 adds nothing): rows (t, b) of both stacked, D ᵀ H as one product.
  const R = (T - 1) * B;
  if (R > 0) {
    for (let r = 0; r < R; r++) {
      const o = (B + r) * n;
      for (let i = 0; i < n; i++) dzT[i * R + r] = dz[o + i]!;
    }
    sparseTimes(grad.wRec, 0, dzT, 0, n, R, h, B * n, n, idx, val);
    if (alpha !== 1) for (let q = 0; q < n * n; q++) grad.wRec[q] *= alpha;
  } else {
    grad.wRec.fill(0);
  }
  return result;
}

/** Weights built by hand (tests, notebooks), their lengths checked: W_in n×3, W_rec n×n, W_out 3×n. */
export function rnnWeights(n: number, alpha: number, wIn: Float64Array, wRec: Float64Array, wOut: Float64Array): RnnWeights {
  if (!Number.isSafeInteger(n) || n < 1) throw new ValidationError('n', n, 'an integer ≥ 1');
  if (!(alpha > 0 && alpha <= 1)) throw new ValidationError('alpha', alpha, 'a number in (0, 1]');
  if (wIn.length !== n * TASK_INPUTS) throw new ValidationError('wIn.length', wIn.length, `${n * TASK_INPUTS} (n × ${TASK_INPUTS})`);
  if (wRec.length !== n * n) throw new ValidationError('wRec.length', wRec.length, `${n * n} (n × n)`);
  if (wOut.length !== n * TASK_CLASSES) throw new ValidationError('wOut.length', wOut.length, `${n * TASK_CLASSES} (${TASK_CLASSES} × n)`);
  return { n, nIn: TASK_INPUTS, nOut: TASK_CLASSES, alpha, wIn, wRec, wOut };
}

export { TASK_CLASSES, TASK_INPUTS };
