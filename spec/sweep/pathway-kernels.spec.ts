/**
 * The reduced engine's kernel measures (issue 16, item 6: "a lazy pathway does not concentrate"): Θ_a against
 * the per-layer model's gradient, the alignment's closed cases, and the measures on a small sweep.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { perLayerModeModel } from '../../src/reduced/model.ts';
import { sweepMeasure } from '../../src/sweep/registry.ts';
import '../../src/sweep/builtins.ts';
import { pathwayKernels } from '../../src/sweep/engines/reduced.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { runPoint } from '../../src/sweep/run-point.ts';
import { SEED } from '../helpers/arbitraries.ts';

const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe('sweep measures: pathway kernels of the reduced engine (issue 16)', () => {
  it('Θ_a = Σ over layers of (∂K_a/∂w)², the squared per-layer gradient with D − 1 layers q and one p (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), value(-2, 2), value(0.05, 2), (D, p, q) => {
        // The per-layer model's rate is grad·r with r = S − K (S = 1 + K makes r = 1): its rhs is the gradient.
        const layers = D === 1 ? [p] : [p, ...new Array<number>(D - 1).fill(q)];
        const K = layers.reduce((s, w) => s * w, 1);
        const model = perLayerModeModel({ depths: [D], singularValue: 1 + K, inputVariance: 1, tau: 1 });
        const grad = new Float64Array(D);
        model.rhs(0, Float64Array.from(layers), grad);
        const expected = grad.reduce((s, g) => s + g * g, 0);
        const theta = pathwayKernels([D], D === 1 ? [p] : [p, q])[0]!;
        expect(theta).to.be.closeTo(expected, 1e-12 * Math.max(1, expected));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('the alignment: 1 for kernels in proportion, 1/√2 for [1, 1] → [1, 0]; no value from engines without kernels', () => {
    const ka = sweepMeasure('pathwayKernelAlignment', 'measure');
    const growth = sweepMeasure('kernelChange', 'measure');
    const input = (start: number[], end: number[]) => ({ params: {} as never, shares: [], outcome: { strengths: [1, 1], kernels: { start, end } } as never });
    expect(ka.compute(input([1e-20, 3e-20], [1e10, 3e10])).pathwayKernelAlignment).to.be.closeTo(1, 1e-15);
    expect(ka.compute(input([1, 1], [1, 0])).pathwayKernelAlignment).to.be.closeTo(Math.SQRT1_2, 1e-15);
    expect(growth.compute(input([1, 1], [3, 5])).kernelChange).to.equal(4);
    expect(ka.compute({ params: {} as never, shares: [], outcome: { strengths: [1] } }).pathwayKernelAlignment).to.equal(null);
  });

  it('on a sweep: rich cells (D = 4, σ = 0.1) concentrate with a turned kernel, lazy ones (σ = 1.5) keep it', async () => {
    const spec = parseSweepSpec({
      name: 'lazy-test', engine: 'reduced', seed: 16, seeds: 6, fixed: { pathways: 2, width: 100, target: 3, depth: 4 },
      axes: { sigma: [0.1, 1.5] }, measures: ['winnerShare', 'pathwayKernelAlignment', 'kernelChange'],
    });
    const records = await Promise.all(Array.from({ length: 12 }, (_, i) => runPoint(spec, i)));
    const cell = (sigma: number, measure: string): number => {
      const values = records.filter((r) => r.coords['sigma'] === sigma).map((r) => r.values![measure]!);
      expect(values).to.have.length(6);
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    // docs/rich-lazy.md, "A lazy pathway does not concentrate": rich 0.93 / 0.74 / 1e7, lazy 0.69 / 0.97 / 1.5.
    expect(cell(0.1, 'kernelChange')).to.be.above(1e5);
    expect(cell(1.5, 'kernelChange')).to.be.below(3);
    expect(cell(0.1, 'pathwayKernelAlignment')).to.be.below(0.85);
    expect(cell(1.5, 'pathwayKernelAlignment')).to.be.above(0.93);
    expect(cell(0.1, 'winnerShare')).to.be.above(cell(1.5, 'winnerShare'));
  });
});
