/**
 * The mean-field parameterisation with richness γ₀ (Bordelon & Pehlevan 2023, research/other-seeds.md §3(a)):
 *     h^1 = W^0 x/√n_in,   h^{l+1} = W^l φ(h^l)/√N_l,   f = (1/(γ₀ N)) w^L·φ(h^L),   all raw weights N(0, 1),
 * trained by dθ/dt = γ₀² N (−∂L/∂θ) on the raw weights (which is the paper's dw^L/dt = γ₀ Σ_μ φ(h_μ^L) Δ_μ and
 * dW^l/dt = (γ₀/√N) Σ_μ Δ_μ g̃_μ^{l+1} φ(h_μ^l)ᵀ with g̃ = γ₀N ∂f/∂h, the O(1) backward signal).
 *
 * The engines train the effective weights W̄_d = c_d θ_d of a standard network (c_d = 1/√fan_in for every layer
 * but the read-out, 1/(γ₀ N) for it, N = the read-out's fan-in), so the parameterisation is three plain
 * transformations around them, not a second engine:
 * - the init: W̄_d(0) = c_d θ_d(0);
 * - the flow: dW̄_d/dt = c_d² γ₀² N (−∂L/∂W̄_d), a per-layer multiplier on any engine's flow (`scaleEngine`):
 *   γ₀² N/fan_in below the read-out, 1/N for it;
 * - the rules' fixed signals: where the paper replaces g̃ (O(1)) by a fixed vector (DFA) or by Δ φ(h) (Hebb), the
 *   effective-coordinate signal is that times 1/(γ₀ N), the scale of the true backward map (`readoutScale`).
 * ρ-FA needs nothing: it draws W̃ at W(0)'s own scale (RMS), which is the raw N(0, 1) in effective units.
 */
import { ValidationError } from '../util/errors.ts';
import { expectNumber, expectOneOf, expectRecord, rejectUnknownKeys } from '../util/validation.ts';
import type { Engine } from './engine.ts';
import type { Network } from './network.ts';
import type { LayerRef } from './rule.ts';

export type Parameterisation = 'standard' | { readonly kind: 'meanfield'; readonly gamma0: number };

const ALLOWED = '"standard" or { "kind": "meanfield", "gamma0": γ₀ > 0 }';

export function parseParameterisation(value: unknown): Parameterisation {
  if (value === undefined || value === 'standard') return 'standard';
  const obj = expectRecord(value, 'parameterisation', ALLOWED);
  rejectUnknownKeys(obj, ['kind', 'gamma0'], 'parameterisation');
  expectOneOf(obj['kind'], 'parameterisation.kind', ['meanfield'] as const);
  // γ₀ → 0 is the lazy limit, but the read-out scale 1/(γ₀N) and the rates γ₀²N overflow long before 1e-8.
  return { kind: 'meanfield', gamma0: expectNumber(obj['gamma0'], 'parameterisation.gamma0', { min: 1e-8, max: 1e8 }) };
}

/** c_d of every layer, in θ order: 1/√fan_in, and 1/(γ₀ N) for each pathway's read-out. */
export function meanFieldScales(net: Network, gamma0: number): number[] {
  const scales: number[] = [];
  for (const p of net.pathways) {
    p.layers.forEach((w, d) => scales.push(d === p.depth - 1 ? 1 / (gamma0 * w.cols) : 1 / Math.sqrt(w.cols)));
  }
  return scales;
}

/** Raw weights θ(0) → the effective weights W̄ = c θ, in place. */
export function applyMeanFieldInit(net: Network, gamma0: number): void {
  const scales = meanFieldScales(net, gamma0);
  let l = 0;
  for (const p of net.pathways) {
    for (const w of p.layers) {
      const c = scales[l++]!;
      for (let k = 0; k < w.data.length; k++) w.data[k] *= c;
    }
  }
}

/** The per-layer flow multipliers c_d² γ₀² N_a (N_a the read-out's fan-in of the layer's pathway). */
export function meanFieldRates(net: Network, gamma0: number): number[] {
  const scales = meanFieldScales(net, gamma0);
  const rates: number[] = [];
  let l = 0;
  for (const p of net.pathways) {
    const N = p.layers[p.depth - 1]!.cols;
    for (let d = 0; d < p.depth; d++) rates.push(scales[l++]! ** 2 * gamma0 * gamma0 * N);
  }
  return rates;
}

/**
 * An engine whose flow is the inner engine's multiplied layer by layer by `rates` (θ order): a learning rate per
 * layer, for any engine and any rule.
 */
export function scaleEngine(inner: Engine, rates: readonly number[]): Engine {
  const segments: { start: number; end: number; rate: number }[] = [];
  let offset = 0;
  let l = 0;
  for (const p of inner.network.pathways) {
    for (const w of p.layers) {
      segments.push({ start: offset, end: offset + w.data.length, rate: rates[l++]! });
      offset += w.data.length;
    }
  }
  if (l !== rates.length) throw new ValidationError('rates', rates.length, `one rate per layer (${l})`);
  const grad = new Float64Array(inner.theta.length);
  const flowInto = (out: Float64Array): void => {
    inner.flowInto(out);
    for (const s of segments) for (let k = s.start; k < s.end; k++) out[k] *= s.rate;
  };
  return {
    network: inner.network,
    task: inner.task,
    theta: inner.theta,
    refresh: () => inner.refresh(),
    flowInto,
    step(eta: number): void {
      flowInto(grad);
      const theta = inner.theta;
      for (let k = 0; k < theta.length; k++) theta[k] += eta * grad[k]!;
      inner.refresh();
    },
    loss: () => inner.loss(),
    pathwayMaps: () => inner.pathwayMaps(),
  };
}

/** The rules' fixed-signal scale 1/(γ₀ N_a), N_a the fan-in of the layer's pathway's read-out. */
export function meanFieldSignalScale(gamma0: number): (layer: LayerRef, layers: readonly LayerRef[]) => number {
  return (layer, layers) => {
    const readout = layers.find((l) => l.pathway === layer.pathway && l.consumers.length === 0)!;
    return 1 / (gamma0 * readout.cols);
  };
}
