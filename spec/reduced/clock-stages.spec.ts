/**
 * The time map's integrand from a DOPRI5 step's stages (lobattoFromStages, src/reduced/clock.ts): the integral's
 * continuous extension DOPRI5 gives a component of its own, kept as its derivative at the five Lobatto nodes.
 * Checked on integrands of the step variable alone (so the stages' values are exact, and what is tested is the
 * weights and the algebra): exact for cubics, order 5 in h for the integral over a step and order 4 for the
 * derivative inside it, and the same integral as the 5-point Gauss–Lobatto rule it replaces, to that rule's
 * own error.
 */
import { expect } from 'chai';
import { DOPRI5_NODES } from '../../src/integrate/dopri5.ts';
import { lobattoFromStages } from '../../src/reduced/clock.ts';

const LOBATTO = [0, 0.5 - 0.5 * Math.sqrt(3 / 7), 0.5, 0.5 + 0.5 * Math.sqrt(3 / 7), 1];

/** The node values and the integral over [w0, w0 + h] of f from its stage values. */
function fromStages(f: (w: number) => number, w0: number, h: number): { nodes: number[]; integral: number } {
  const stages = DOPRI5_NODES.map((c) => f(w0 + c * h));
  const nodes = [0, 0, 0, 0, 0];
  const mean = lobattoFromStages(stages, nodes, 0);
  return { nodes, integral: h * mean };
}

describe('reduced: the time map from the stages of a clock step', () => {
  it('is exact for cubics: the node values are the integrand, the integral is its integral (to round-off)', () => {
    const f = (w: number): number => 2 - 3 * w + 0.5 * w * w - 1.25 * w * w * w;
    const F = (w: number): number => 2 * w - 1.5 * w * w + (0.5 / 3) * w ** 3 - (1.25 / 4) * w ** 4;
    const w0 = 0.3;
    const h = 0.7;
    const { nodes, integral } = fromStages(f, w0, h);
    // Values of order 1–3: 1e-14 is a few dozen roundings of the sums of seven terms with weights up to 11.
    nodes.forEach((v, i) => expect(v, `node ${i}`).to.be.closeTo(f(w0 + LOBATTO[i]! * h), 1e-14));
    expect(integral).to.be.closeTo(F(w0 + h) - F(w0), 1e-14);
  });

  it('has order 5 for the integral over a step and order 4 for the derivative inside it (halving h)', () => {
    // A smooth integrand like the clock's φ (bounded, every derivative of order 1): 1/(1.5 − w) + e^w.
    const f = (w: number): number => 1 / (1.5 - w) + Math.exp(w);
    const F = (w: number): number => -Math.log(1.5 - w) + Math.exp(w);
    const errors = [0.2, 0.1, 0.05, 0.025].map((h) => {
      const { nodes, integral } = fromStages(f, 0, h);
      const nodeError = Math.max(...nodes.map((v, i) => Math.abs(v - f(LOBATTO[i]! * h))));
      return { integral: Math.abs(integral - (F(h) - F(0))), node: nodeError };
    });
    for (let k = 1; k < errors.length; k++) {
      // The integral over a step has DOPRI5's local error C h⁶ (order 5): halving h divides it by 64. The
      // extension I(θ) is order 4 (local error h⁵), so its slope dI/dw = h⁻¹ dI/dθ is off by O(h⁴): 16.
      // Measured from h = 0.2: 54, 62, 64 and 19, 17, 17; the bounds are 64/1.6 and 16/1.6, for the next
      // term of the expansion at these step sizes.
      expect(errors[k - 1]!.integral / errors[k]!.integral, `integral, h = ${0.2 / 2 ** k}`).to.be.above(64 / 1.6);
      expect(errors[k - 1]!.node / errors[k]!.node, `nodes, h = ${0.2 / 2 ** k}`).to.be.above(16 / 1.6);
    }
  });

  it('integrates as the Gauss–Lobatto rule on the exact integrand does, to that rule’s error', () => {
    const f = (w: number): number => 1 / (1.5 - w) + Math.exp(w);
    const F = (w: number): number => -Math.log(1.5 - w) + Math.exp(w);
    const weights = [1 / 20, 49 / 180, 16 / 45, 49 / 180, 1 / 20];
    for (const h of [0.4, 0.1]) {
      const exact = F(h) - F(0);
      const lobatto = h * weights.reduce((s, wt, i) => s + wt * f(LOBATTO[i]! * h), 0);
      const { integral } = fromStages(f, 0, h);
      // Both within 1e-6 of the step's integral (order ≥ 5 at h ≤ 0.4 for an integrand whose derivatives are
      // O(k!)): the two quadratures agree to their errors, far below what a tolerance of 1e-8 per step asks of
      // a step this coarse.
      expect(Math.abs(integral - exact), `stages, h = ${h}`).to.be.below(1e-6 * h);
      expect(Math.abs(lobatto - exact), `Lobatto, h = ${h}`).to.be.below(1e-6 * h);
    }
  });
});
