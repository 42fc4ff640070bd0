/**
 * The effective neural tangent kernel of a deep linear network under a learning rule (issue 15, item 2;
 * Bordelon & Pehlevan 2023, Eq. 4: K = Σ_l G̃^{l+1} ⊙ Φ^l, the true gradient against the rule's pseudo-gradient).
 *
 * On whitened inputs (samples x_μ = e_μ, Σˣ = I) a rule moves layer d of pathway a by W_d ← W_d + η Ĝ_dᵀ E F_dᵀ,
 * with E = Σʸˣ − Ω the error, F_d = W_{d−1}⋯W_1 the forward map below (I for d = 1), and Ĝ_d what the rule sends
 * back: GD the true A_d = W_D⋯W_{d+1}; feedback alignment B_D⋯B_{d+1}; DFA its fixed projection (F_a^d)ᵀ; the top
 * layer always its true gradient (Ĝ_D = I). The map then moves by dΩ/dt = Σ_{a,d} (A_d Ĝ_dᵀ) E (F_dᵀF_d), so
 *
 *     K[(i, μ), (j, ν)] = Σ_{a,d} G̃_d[i, j] · Φ_d[ν, μ],   G̃_d = A_d Ĝ_dᵀ (n_out × n_out),  Φ_d = F_dᵀF_d (n_in × n_in),
 *
 * the paper's G̃^{l+1} ⊙ Φ^l with l = d − 1. Error-modulated Hebb moves hidden layers by ‖e_μ‖²-weighted
 * products, quadratic in the error, so their linear response vanishes and only the top layer's term is left.
 *
 * The lazy-limit scale (DERIVED in research other-seeds.md §3(a), Table 2 of the paper): in the mean-field
 * parameterisation every gradient-descent term G^{l+1}Φ^l equals Kˣ at infinite width, and the rule's term is
 * ρ^{L−l} of it for ρ-FA, 0 for DFA and Hebb below the top layer. So K = c Kˣ with c = L + 1 = D (GD),
 * (1 − ρ^D)/(1 − ρ) (ρ-FA), 1 (DFA, Hebb), D = L + 1 the number of weight layers. The measured counterpart is
 * `meanFieldScale` = Σ_d tr(A_d Ĝ_dᵀ)/tr(A_d A_dᵀ): each layer's term in units of its own GD term, which is what
 * the mean-field parameterisation's per-layer scaling makes of it. spec/rules/entk.spec.ts shows it approaching
 * c as O(1/√N).
 */
import { identity, mul as multiply, transpose, zeros, type Mat } from '../network/matrix.ts';
import { ValidationError } from '../util/errors.ts';
import { expectNumber, expectOneOf, expectRecord, rejectUnknownKeys } from '../util/validation.ts';

/** The rule, with its backward matrices given explicitly (layers d from input to output, as in `dln simulate`). */
export type KernelRule =
  | 'gd'
  | 'hebb'
  /** feedback[a][d − 2] = B_a^d (the shape of W_a^d), d = 2…D_a. */
  | { readonly kind: 'fa'; readonly feedback: readonly (readonly Mat[])[] }
  /** projections[a][d − 1] = F_a^d (N_d × n_out), d = 1…D_a − 1. */
  | { readonly kind: 'dfa'; readonly projections: readonly (readonly Mat[])[] };

export interface KernelTerm {
  readonly pathway: number;
  /** Layer d (1 = input side). */
  readonly layer: number;
  /** G̃_d = A_d Ĝ_dᵀ, n_out × n_out. */
  readonly outputOverlap: Mat;
  /** A_d A_dᵀ, the gradient-descent overlap of the same layer. */
  readonly gradientOverlap: Mat;
  /** Φ_d = F_dᵀ F_d, n_in × n_in. */
  readonly inputKernel: Mat;
  /** tr(G̃_d)/tr(A_d A_dᵀ): 1 for GD, ≈ ρ^{D−d} for ρ-FA, ≈ 0 for DFA and Hebb below the top (NaN if A_d = 0). */
  readonly alignment: number;
}

export interface EffectiveKernel {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly terms: readonly KernelTerm[];
  /** Per pathway: Σ_d alignment, the kernel in units of Kˣ as the mean-field parameterisation scales it. */
  readonly meanFieldScale: number[];
  /** K[(i·n_in + μ)][(j·n_in + ν)], (n_out·n_in)². */
  kernel(): number[][];
  /** dΩ/dt = 𝒦[E] for an error E (n_out × n_in, row-major), summed over pathways. */
  apply(error: Mat): Mat;
}

function trace(a: Mat): number {
  let s = 0;
  for (let i = 0; i < Math.min(a.rows, a.cols); i++) s += a.data[i * a.cols + i]!;
  return s;
}

function checkShape(m: Mat | undefined, rows: number, cols: number, field: string): Mat {
  if (m === undefined || m.rows !== rows || m.cols !== cols || m.data.length !== rows * cols) {
    throw new ValidationError(field, m === undefined ? undefined : `${m.rows}×${m.cols}`, `a ${rows}×${cols} matrix`);
  }
  for (let k = 0; k < m.data.length; k++) {
    if (!Number.isFinite(m.data[k]!)) throw new ValidationError(`${field}[${Math.floor(k / cols)}][${k % cols}]`, m.data[k], 'a finite number');
  }
  return m;
}

/**
 * The product M_hi⋯M_lo of matrices lo…hi (1-based, inclusive; `at(e)` gives M_e); I of size `n` when lo > hi.
 * Multiplied from the thin end: the input side (n_in columns) for the layers below, the output side (n_out
 * rows) for those above, so a chain through N × N layers costs N²·n, not N³.
 */
function chain(at: (e: number) => Mat, lo: number, hi: number, n: number, from: 'input' | 'output'): Mat {
  if (lo > hi) return identity(n);
  let out = from === 'input' ? at(lo) : at(hi);
  if (from === 'input') for (let e = lo + 1; e <= hi; e++) out = multiply(at(e), out);
  else for (let e = hi - 1; e >= lo; e--) out = multiply(out, at(e));
  return out;
}

/**
 * The effective kernel of a multi-pathway linear network: `layers[a][d − 1]` = W_a^d (rows × cols row-major,
 * d = 1 input side), all pathways from the same n_in to the same n_out, under `rule`.
 */
export function effectiveKernel(layers: readonly (readonly Mat[])[], rule: KernelRule = 'gd'): EffectiveKernel {
  if (!Array.isArray(layers) || layers.length === 0) throw new ValidationError('layers', layers, 'one list of layer matrices per pathway');
  const first = layers[0]![0];
  if (first === undefined) throw new ValidationError('layers[0]', layers[0], 'at least one layer');
  const nIn = first.cols;
  const last = layers[0]![layers[0]!.length - 1]!;
  const nOut = last.rows;
  const kind = typeof rule === 'string' ? expectOneOf(rule, 'rule', ['gd', 'hebb'] as const) : expectOneOf(rule.kind, 'rule.kind', ['fa', 'dfa'] as const);
  const terms: KernelTerm[] = [];
  const meanFieldScale: number[] = [];
  layers.forEach((ws, a) => {
    const D = ws.length;
    if (D === 0) throw new ValidationError(`layers[${a}]`, ws, 'at least one layer');
    let cols = nIn;
    ws.forEach((w: Mat, d: number) => {
      const rows = d === D - 1 ? nOut : w?.rows ?? 0;
      checkShape(w, rows, cols, `layers[${a}][${d}]`);
      cols = w.rows;
    });
    let scale = 0;
    for (let d = 1; d <= D; d++) {
      const layer = (e: number): Mat => ws[e - 1]!;
      const above = chain(layer, d + 1, D, nOut, 'output'); // A_d: n_out × N_d
      const below = chain(layer, 1, d - 1, nIn, 'input'); // F_d: N_{d−1} × n_in
      const back = backward(ws, rule, kind, a, d, D, nOut); // Ĝ_d: n_out × N_d, or null (no linear term)
      const gradientOverlap = multiply(above, transpose(above));
      const outputOverlap = back === null ? zeros(nOut, nOut) : multiply(above, transpose(back));
      const alignment = trace(outputOverlap) / trace(gradientOverlap);
      scale += alignment;
      terms.push({ pathway: a, layer: d, outputOverlap, gradientOverlap, inputKernel: multiply(transpose(below), below), alignment });
    }
    meanFieldScale.push(scale);
  });
  return {
    inputDim: nIn,
    outputDim: nOut,
    terms,
    meanFieldScale,
    kernel() {
      const n = nOut * nIn;
      const k = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (const t of terms) {
        const g = t.outputOverlap.data;
        const phi = t.inputKernel.data;
        for (let i = 0; i < nOut; i++)
          for (let mu = 0; mu < nIn; mu++)
            for (let j = 0; j < nOut; j++) for (let nu = 0; nu < nIn; nu++) k[i * nIn + mu]![j * nIn + nu]! += g[i * nOut + j]! * phi[nu * nIn + mu]!;
      }
      return k;
    },
    apply(error: Mat) {
      checkShape(error, nOut, nIn, 'error');
      const out = new Float64Array(nOut * nIn);
      for (const t of terms) {
        const m = multiply(multiply(t.outputOverlap, error), t.inputKernel);
        for (let k = 0; k < out.length; k++) out[k] += m.data[k]!;
      }
      return { rows: nOut, cols: nIn, data: out };
    },
  };
}

/** Ĝ_d for the rule (n_out × N_d), or null when the layer's update has no term linear in the error. */
function backward(ws: readonly Mat[], rule: KernelRule, kind: 'gd' | 'hebb' | 'fa' | 'dfa', a: number, d: number, D: number, nOut: number): Mat | null {
  if (d === D) return identity(nOut);
  if (kind === 'gd') return chain((e) => ws[e - 1]!, d + 1, D, nOut, 'output');
  if (kind === 'hebb') return null;
  if (kind === 'fa') {
    const feedback = (rule as { feedback: readonly (readonly Mat[])[] }).feedback;
    const bs = feedback?.[a];
    if (!Array.isArray(bs) || bs.length !== D - 1) throw new ValidationError(`rule.feedback[${a}]`, bs, `${D - 1} matrices B^2…B^${D}`);
    const checked = bs.map((b, k) => checkShape(b, ws[k + 1]!.rows, ws[k + 1]!.cols, `rule.feedback[${a}][${k}]`));
    // B_D⋯B_{d+1}: the feedback list starts at layer 2.
    return chain((e) => checked[e - 2]!, d + 1, D, nOut, 'output');
  }
  const projections = (rule as { projections: readonly (readonly Mat[])[] }).projections;
  const fs = projections?.[a];
  if (!Array.isArray(fs) || fs.length !== D - 1) throw new ValidationError(`rule.projections[${a}]`, fs, `${D - 1} matrices F^1…F^${D - 1}`);
  return transpose(checkShape(fs[d - 1], ws[d - 1]!.rows, nOut, `rule.projections[${a}][${d - 1}]`));
}

/**
 * The lazy-limit kernel scale c in K = c Kˣ of a depth-D linear network on whitened data (D weight layers,
 * the paper's L = D − 1): D for GD, (1 − ρ^D)/(1 − ρ) for ρ-FA (D at ρ = 1), 1 for DFA and Hebb, and
 * D·2^{1−D} for the gated linear network with gates Θ(Mx) (DERIVED, issue 15: each of the D − 1 gated hidden
 * layers passes a unit on an input with probability ½, independently of the weights, so every one of the D
 * gradient terms is 2^{1−D} of its ungated value on the diagonal; orthogonal inputs have Kˣ = 0 off it. With
 * φ′ = 1 (gates always open) it is GD's D: the paper's "L Kˣ" for that case counts weight layers, L = D).
 */
export function lazyKernelScale(input: { readonly rule: 'gd' | 'fa' | 'dfa' | 'hebb' | 'gln'; readonly depth: number; readonly rho?: number }): number {
  const obj = expectRecord(input, 'input', 'an object { rule, depth, rho? }');
  rejectUnknownKeys(obj, ['rule', 'depth', 'rho'], '');
  const rule = expectOneOf(obj['rule'], 'rule', ['gd', 'fa', 'dfa', 'hebb', 'gln'] as const);
  const D = expectNumber(obj['depth'], 'depth', { integer: true, min: 1, max: 1000 });
  if (rule !== 'fa' && obj['rho'] !== undefined) throw new ValidationError('rho', obj['rho'], `no rho for ${rule} (it belongs to fa)`);
  if (rule === 'gd') return D;
  if (rule === 'gln') return D * 2 ** (1 - D);
  if (rule === 'dfa' || rule === 'hebb') return 1;
  const rho = expectNumber(obj['rho'], 'rho', { min: -1, max: 1 });
  // Σ_{k<D} ρ^k, summed directly (no 0/0 at ρ = 1, no cancellation near it).
  let c = 0;
  let power = 1;
  for (let k = 0; k < D; k++) {
    c += power;
    power *= rho;
  }
  return c;
}
