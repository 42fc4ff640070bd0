/**
 * From a network's weights to reduced (q, p) initial conditions per pathway and mode (DESIGN §2.4).
 *
 * With a_α = (W^{D−1}⋯W^1) v_α pushed forward and b_α = (W^D)ᵀ u_α pulled back, and K_α = u_αᵀ Ω v_α:
 * - naive: q = per-layer forward gain ‖W^{D−1}⋯W^1 v_α‖^{1/(D−1)}, p = K/q^{D−1};
 * - exact depth 2: q = (|a+b| + |a−b|)/2, p = (|a+b| − |a−b|)/2 (so p q = K and q² − p² = |a+b||a−b|);
 * - tangent-kernel matched: p q^{D−1} = K and q^{2(D−1)} + (D−1) p² q^{2(D−2)} = Θ_α, the initial tangent
 *   kernel of the mode, Θ_α = Σ_l ‖(W^D⋯W^{l+1})ᵀ u_α‖² ‖W^{l−1}⋯W^1 v_α‖². With x = q² this is
 *   x^D − Θ x + (D−1) K² = 0; the larger root is taken. At D = 2 it coincides with the exact mapping.
 * Depth-1 pathways map to p = K (q unused).
 */
import type { BalancedValues } from '../reduced/init.ts';
import { ValidationError } from '../util/errors.ts';
import { mulInto, thinLeftMulInto } from './matrix.ts';
import type { Network, Pathway } from './network.ts';
import type { Task } from './task.ts';

export type MappingKind = 'naive' | 'exactDepth2' | 'tangentKernel';

interface ModeVectors {
  /** forward[l] = W^{l}⋯W^1 V (dims[l]×K), forward[0] = V. */
  forward: Float64Array[];
  /** backward[l] = Uᵀ W^D⋯W^{l+1} (K×dims[l]), backward[D] = Uᵀ. */
  backward: Float64Array[];
}

function modeVectors(p: Pathway, task: Task): ModeVectors {
  const K = task.singularValues.length;
  const D = p.depth;
  const forward = [task.v.data];
  for (let d = 0; d < D; d++) {
    const w = p.layers[d]!;
    const out = new Float64Array(w.rows * K);
    mulInto(out, w.data, forward[d]!, w.rows, w.cols, K);
    forward.push(out);
  }
  const ut = new Float64Array(K * task.outputDim);
  for (let i = 0; i < task.outputDim; i++) for (let m = 0; m < K; m++) ut[m * task.outputDim + i] = task.u.data[i * K + m]!;
  const backward: Float64Array[] = new Array<Float64Array>(D + 1);
  backward[D] = ut;
  for (let d = D - 1; d >= 0; d--) {
    const w = p.layers[d]!;
    const out = new Float64Array(K * w.cols);
    thinLeftMulInto(out, backward[d + 1]!, w.data, K, w.rows, w.cols);
    backward[d] = out;
  }
  return { forward, backward };
}

/** Column m of a rows×K block (forward) or row m of a K×cols block (backward) as a norm or dot product. */
function columnNorm2(block: Float64Array, rows: number, K: number, m: number): number {
  let s = 0;
  for (let i = 0; i < rows; i++) s += block[i * K + m]! ** 2;
  return s;
}
function rowNorm2(block: Float64Array, cols: number, m: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += block[m * cols + j]! ** 2;
  return s;
}

/** Initial K_α = u_αᵀ Ω_a v_α of one pathway. */
function initialStrength(v: ModeVectors, p: Pathway, K: number, m: number): number {
  const out = v.forward[p.depth]!;
  const nOut = p.dims[p.depth]!;
  // forward[D] = Ω V; u_αᵀ (Ω V)_α = Σ_i U_iα (ΩV)_iα, and backward[D] holds Uᵀ.
  let s = 0;
  for (let i = 0; i < nOut; i++) s += v.backward[p.depth]![m * nOut + i]! * out[i * K + m]!;
  return s;
}

/** Θ_α = Σ_l ‖(W^D⋯W^{l+1})ᵀ u_α‖² ‖W^{l−1}⋯W^1 v_α‖² (l over layers). */
export function tangentKernel(p: Pathway, task: Task): number[] {
  const K = task.singularValues.length;
  const v = modeVectors(p, task);
  const theta: number[] = [];
  for (let m = 0; m < K; m++) {
    let s = 0;
    for (let d = 0; d < p.depth; d++) {
      s += rowNorm2(v.backward[d + 1]!, p.dims[d + 1]!, m) * columnNorm2(v.forward[d]!, p.dims[d]!, K, m);
    }
    theta.push(s);
  }
  return theta;
}

/** The larger positive root x of x^D − Θx + (D−1)K² = 0 (x = q²); the minimiser if there is no root. */
export function tangentKernelRoot(depth: number, theta: number, k: number): number {
  const D = depth;
  const c = (D - 1) * k * k;
  const f = (x: number): number => x ** D - theta * x + c;
  // f is convex on x > 0 with its minimum at x* = (Θ/D)^{1/(D−1)}, and f(Θ^{1/(D−1)}) = c ≥ 0.
  let lo = (theta / D) ** (1 / (D - 1));
  let hi = theta ** (1 / (D - 1));
  if (f(lo) >= 0) return lo;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * p = K/q^{D−1}. q = 0 only when the mode's forward product (naive) or its whole tangent kernel (matched)
 * vanishes, and then K = 0 exactly: the pathway is the still one (q = p = 0), not 0/0 = NaN.
 */
function strengthOverGain(k0: number, q: number, D: number): number {
  return q === 0 ? 0 : k0 / q ** (D - 1);
}

export function mapToReduced(net: Network, task: Task, kind: MappingKind): BalancedValues {
  const K = task.singularValues.length;
  const q: number[][] = [];
  const p: number[][] = [];
  net.pathways.forEach((path, a) => {
    const v = modeVectors(path, task);
    const D = path.depth;
    const qa: number[] = [];
    const pa: number[] = [];
    const theta = kind === 'tangentKernel' ? tangentKernel(path, task) : [];
    for (let m = 0; m < K; m++) {
      const k0 = initialStrength(v, path, K, m);
      if (D === 1) {
        qa.push(0);
        pa.push(k0);
        continue;
      }
      if (kind === 'naive') {
        const gain = Math.sqrt(columnNorm2(v.forward[D - 1]!, path.dims[D - 1]!, K, m)) ** (1 / (D - 1));
        qa.push(gain);
        pa.push(strengthOverGain(k0, gain, D));
      } else if (kind === 'exactDepth2') {
        if (D !== 2) {
          throw new ValidationError('kind', kind, `"naive" or "tangentKernel" (the exact mapping is for depth-2 pathways; pathway ${a} has depth ${D})`);
        }
        const N = path.dims[1]!;
        const fa = v.forward[1]!;
        const bb = v.backward[1]!;
        let plus = 0;
        let minus = 0;
        for (let i = 0; i < N; i++) {
          const x = fa[i * K + m]!;
          const y = bb[m * N + i]!;
          plus += (x + y) ** 2;
          minus += (x - y) ** 2;
        }
        plus = Math.sqrt(plus);
        minus = Math.sqrt(minus);
        qa.push((plus + minus) / 2);
        pa.push((plus - minus) / 2);
      } else {
        const x = tangentKernelRoot(D, theta[m]!, k0);
        const qq = Math.sqrt(x);
        qa.push(qq);
        pa.push(strengthOverGain(k0, qq, D));
      }
    }
    q.push(qa);
    p.push(pa);
  });
  return { q, p };
}
