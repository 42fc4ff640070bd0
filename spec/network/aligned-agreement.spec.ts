/**
 * DESIGN §2.4: from an SVD-aligned initialisation the full network stays aligned, and every mode of every
 * pathway is exactly the reduced per-layer chain of §2.2 — under gradient descent (the forward-Euler map of
 * the reduced equations, step for step) and under gradient flow (the reduced ODE).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createEngine } from '../../src/network/engine.ts';
import { createNetwork } from '../../src/network/network.ts';
import { singularValueTask } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { perLayerModeModel } from '../../src/reduced/model.ts';
import { perLayerStates } from '../../src/reduced/init.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import { SEED } from '../helpers/arbitraries.ts';

const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Random shapes of the issue: M ≤ 3, D_a ≤ 5, K ≤ 4, widths K…maxWidth, per-layer values in ±[0.2, 1]. */
function alignedCaseArb(maxWidth: number, maxDepth: number) {
  return fc
    .record({ M: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 4 }) })
    .chain(({ M, K }) =>
      fc.record({
        depths: fc.array(fc.integer({ min: 1, max: maxDepth }), { minLength: M, maxLength: M }),
        width: fc.integer({ min: K, max: maxWidth }),
        singularValues: fc.array(value(0.3, 2), { minLength: K, maxLength: K }).map((s) => s.sort((a, b) => b - a)),
        basis: fc.constantFrom('identity' as const, 'random' as const),
        magnitudes: fc.array(fc.array(fc.array(value(0.2, 1), { minLength: K, maxLength: K }), { minLength: maxDepth, maxLength: maxDepth }), { minLength: M, maxLength: M }),
        signs: fc.array(fc.boolean(), { minLength: M * maxDepth * K, maxLength: M * maxDepth * K }),
        seed: fc.integer({ min: 0, max: 1_000_000 }),
      }),
    )
    .map((g) => {
      let i = 0;
      const layers = g.depths.map((D, a) =>
        g.magnitudes[a]!.slice(0, D).map((row) => row.map((v) => (g.signs[i++]! ? v : -v))),
      );
      return { ...g, layers };
    });
}

/** The reduced per-layer forward-Euler map w ← w + η·f(w), mode by mode, from the same per-layer values. */
function reducedEuler(layers: number[][][], depths: number[], singularValues: number[], eta: number, steps: number): number[][] {
  const K = singularValues.length;
  const states = perLayerStates(layers, depths, K);
  const out = depths.map(() => new Array<number>(K).fill(0));
  singularValues.forEach((S, m) => {
    const model = perLayerModeModel({ depths, singularValue: S, inputVariance: 1, tau: 1 });
    const y = states[m]!;
    const dy = new Float64Array(y.length);
    for (let s = 0; s < steps; s++) {
      model.rhs(0, y, dy);
      for (let i = 0; i < y.length; i++) y[i] += eta * dy[i]!;
    }
    const k = model.strengths(y, new Float64Array(depths.length));
    depths.forEach((_, a) => (out[a]![m] = k[a]!));
  });
  return out;
}

describe('aligned initialisation: full network = reduced model (fast-check, seeded)', () => {
  it('gradient descent equals the reduced per-layer forward-Euler map to ≤ 1e-9 relative', () => {
    fc.assert(
      fc.property(alignedCaseArb(64, 5), fc.integer({ min: 5, max: 30 }), value(0.01, 0.08), (c, steps, eta) => {
        const task = singularValueTask(c.singularValues, c.basis, c.seed + 1);
        const net = createNetwork(task, { depths: c.depths, width: c.width }, { kind: 'aligned', layers: c.layers, seed: c.seed });
        const run = train(createEngine(net, task), { method: 'gd', learningRate: eta, steps, recordEvery: steps });
        const expected = reducedEuler(c.layers, c.depths, c.singularValues, eta, steps);
        const full = run.records[run.records.length - 1]!;
        expect(run.status).to.equal('ok');
        expect(full.time).to.be.closeTo(steps * eta, 1e-12 * steps * eta);
        // Both sides do the same arithmetic up to the order of floating-point sums over N hidden units and the
        // frame rotations: a few hundred roundings of size 1e-16 per step, ≤ 1e-12 relative after 30 steps.
        // 1e-9 is the bound, relative to the largest strength (entries near 0 have no relative scale).
        const scale = Math.max(1, ...expected.flat().map(Math.abs));
        expected.forEach((row, a) => row.forEach((k, m) => expect(full.strengths[a]![m]!).to.be.closeTo(k, 1e-9 * scale)));
        // Alignment is preserved: the off-diagonal part of K_a stays at round-off.
        for (const km of full.modes) {
          for (let i = 0; i < km.rows; i++) {
            for (let j = 0; j < km.cols; j++) if (i !== j) expect(Math.abs(km.data[i * km.cols + j]!)).to.be.below(1e-9 * scale);
          }
        }
      }),
      { seed: SEED, numRuns: 30 },
    );
  });

  it('gradient flow equals the reduced ODE (solveReduced) to ≤ 1e-6 relative', () => {
    fc.assert(
      fc.property(alignedCaseArb(16, 4), value(0.5, 2), (c, tEnd) => {
        const task = singularValueTask(c.singularValues, c.basis, c.seed + 1);
        const net = createNetwork(task, { depths: c.depths, width: c.width }, { kind: 'aligned', layers: c.layers, seed: c.seed });
        const times = [0, tEnd / 2, tEnd];
        // rtol 1e-10 on both sides: global errors ~1e-9, three orders below the 1e-6 being tested.
        const full = train(createEngine(net, task), { method: 'flow', times, solver: { rtol: 1e-10, atol: 1e-12 } });
        const reduced = solveReduced({
          singularValues: c.singularValues,
          depths: c.depths,
          init: { layers: c.layers },
          times,
          solver: { method: 'auto', rtol: 1e-10, atol: 1e-12 },
        });
        expect(full.status).to.equal('ok');
        expect(reduced.status).to.equal('ok');
        full.records.forEach((rec, t) => {
          const expected = reduced.strengths[t]!;
          const scale = Math.max(1, ...expected.flat().map(Math.abs));
          expected.forEach((row, a) => row.forEach((k, m) => expect(rec.strengths[a]![m]!).to.be.closeTo(k, 1e-6 * scale)));
          expect(rec.loss).to.be.closeTo(reduced.loss[t]!, 1e-6 * Math.max(1, reduced.loss[t]!));
        });
      }),
      { seed: SEED, numRuns: 12 },
    );
  });
});

