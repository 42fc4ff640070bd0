/** fast-check generators for reduced problems (shared by the reduced-model specs). */
import fc from 'fast-check';
import type { ReducedProblem } from '../../src/reduced/types.ts';

/** Seeds for every property, so a failure reproduces with the same numbers. */
export const SEED = 20261123;

export interface ProblemShape {
  readonly maxPathways: number;
  readonly maxDepth: number;
  readonly maxModes: number;
}

export const ISSUE_SHAPE: ProblemShape = { maxPathways: 4, maxDepth: 8, maxModes: 5 };

const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/**
 * A balanced (q, p) problem with q² > p² in every pathway, so every mode is eventually learned (c > 0), and
 * q ≥ 0.8 so that depth-8 pathways leave their plateau within the generated horizon.
 */
export function balancedProblemArb(shape: ProblemShape = ISSUE_SHAPE, horizon: [number, number] = [1, 40]) {
  return fc
    .record({
      M: fc.integer({ min: 1, max: shape.maxPathways }),
      K: fc.integer({ min: 1, max: shape.maxModes }),
    })
    .chain(({ M, K }) =>
      fc.record({
        depths: fc.array(fc.integer({ min: 1, max: shape.maxDepth }), { minLength: M, maxLength: M }),
        singularValues: fc.array(value(0.5, 5), { minLength: K, maxLength: K }),
        inputVariances: fc.array(value(0.5, 2), { minLength: K, maxLength: K }),
        tau: value(0.5, 2),
        q: fc.array(fc.array(value(0.8, 1.3), { minLength: K, maxLength: K }), { minLength: M, maxLength: M }),
        pFraction: fc.array(fc.array(value(-0.9, 0.9), { minLength: K, maxLength: K }), {
          minLength: M,
          maxLength: M,
        }),
        tEnd: value(horizon[0], horizon[1]),
      }),
    )
    .map((g): ReducedProblem => {
      const p = g.q.map((row, a) => row.map((q, m) => q * g.pFraction[a]![m]!));
      return {
        singularValues: g.singularValues,
        inputVariances: g.inputVariances,
        depths: g.depths,
        tau: g.tau,
        init: { q: g.q, p },
        times: Array.from({ length: 21 }, (_, i) => (g.tEnd * i) / 20),
      };
    });
}
