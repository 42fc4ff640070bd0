import { expect } from 'chai';
import fc from 'fast-check';
import { balancedModeModel, perLayerModeModel } from '../../src/reduced/model.ts';
import { SEED } from '../helpers/arbitraries.ts';
import { finiteDifferenceJacobian } from '../helpers/jacobian.ts';

const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });


const modeArb = fc
  .record({ M: fc.integer({ min: 1, max: 4 }) })
  .chain(({ M }) =>
    fc.record({
      depths: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: M, maxLength: M }),
      singularValue: value(0, 5),
      inputVariance: value(0.5, 2),
      tau: value(0.5, 2),
      stateSeed: fc.array(value(-1.5, 1.5), { minLength: 64, maxLength: 64 }),
    }),
  );

describe('reduced model of one mode', () => {
  for (const [name, build] of [
    ['balanced (q, p)', balancedModeModel],
    ['per-layer', perLayerModeModel],
  ] as const) {
    it(`${name}: analytic Jacobian equals central finite differences`, () => {
      fc.assert(
        fc.property(modeArb, ({ depths, singularValue, inputVariance, tau, stateSeed }) => {
          const model = build({ depths, singularValue, inputVariance, tau });
          const y = Float64Array.from(stateSeed.slice(0, model.dimension));
          const n = model.dimension;
          const analytic = new Float64Array(n * n);
          model.jacobian(0, y, analytic);
          const numeric = finiteDifferenceJacobian(model, y);
          for (let k = 0; k < n * n; k++) {
            // Central differences with h = 1e-6 have truncation error O(h²·f''') ≈ 1e-11 on states of size ≤ 1.5
            // and round-off O(ε|f|/h) ≈ 1e-9 for |f| ≲ 50; 1e-6 leaves a wide margin and still catches a wrong term.
            expect(analytic[k]).to.be.closeTo(numeric[k]!, 1e-6 * (1 + Math.abs(numeric[k]!)));
          }
        }),
        { seed: SEED, numRuns: 200 },
      );
    });
  }

  it('the per-layer form on balanced values has the (q, p) form as its exact image', () => {
    // With layers [q, …, q, p], every q-layer obeys the q equation and the last layer the p equation.
    fc.assert(
      fc.property(modeArb, ({ depths, singularValue, inputVariance, tau, stateSeed }) => {
        const params = { depths, singularValue, inputVariance, tau };
        const balanced = balancedModeModel(params);
        const perLayer = perLayerModeModel(params);
        const yb = Float64Array.from(stateSeed.slice(0, balanced.dimension));
        const yl = new Float64Array(perLayer.dimension);
        depths.forEach((D, a) => {
          const p = yb[balanced.offsets[a]!]!;
          const q = D > 1 ? yb[balanced.offsets[a]! + 1]! : 0;
          for (let d = 0; d < D - 1; d++) yl[perLayer.offsets[a]! + d] = q;
          yl[perLayer.offsets[a]! + D - 1] = p;
        });
        const fb = new Float64Array(balanced.dimension);
        const fl = new Float64Array(perLayer.dimension);
        balanced.rhs(0, yb, fb);
        perLayer.rhs(0, yl, fl);
        const kb = balanced.strengths(yb, new Float64Array(depths.length));
        const kl = perLayer.strengths(yl, new Float64Array(depths.length));
        depths.forEach((D, a) => {
          // Same products in a different order: agreement to a few ulps of the largest term.
          const tol = 1e-12 * (1 + Math.abs(kb[a]!));
          expect(kl[a]).to.be.closeTo(kb[a]!, tol);
          const scale = 1e-12 * (1 + Math.abs(fb[balanced.offsets[a]!]!) + (D > 1 ? Math.abs(fb[balanced.offsets[a]! + 1]!) : 0));
          expect(fl[perLayer.offsets[a]! + D - 1]).to.be.closeTo(fb[balanced.offsets[a]!]!, scale);
          for (let d = 0; d < D - 1; d++) {
            expect(fl[perLayer.offsets[a]! + d]).to.be.closeTo(fb[balanced.offsets[a]! + 1]!, scale);
          }
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('the right-hand side is tangent to the level sets of q²−p² and w_d²−w_e² (d/dt invariant = 0)', () => {
    fc.assert(
      fc.property(modeArb, ({ depths, singularValue, inputVariance, tau, stateSeed }) => {
        for (const model of [
          balancedModeModel({ depths, singularValue, inputVariance, tau }),
          perLayerModeModel({ depths, singularValue, inputVariance, tau }),
        ]) {
          const y = Float64Array.from(stateSeed.slice(0, model.dimension));
          const f = new Float64Array(model.dimension);
          model.rhs(0, y, f);
          // For a quadratic invariant c, (c(y + h f) − c(y − h f)) / 2h equals ∇c·f exactly (no truncation
          // error), so this is dc/dt up to round-off ≲ ε·|y|²/h ≈ 1e-9 at h = 1e-6; a non-conserved
          // quadratic gives dc/dt of order |y||f|, which the random states make ≫ 1e-6.
          const h = 1e-6;
          const plus = model.invariants(y.map((v, i) => v + h * f[i]!));
          const minus = model.invariants(y.map((v, i) => v - h * f[i]!));
          plus.forEach((c, i) => expect((c - minus[i]!) / (2 * h)).to.be.closeTo(0, 1e-6));
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
