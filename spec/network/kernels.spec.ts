import { expect } from 'chai';
import fc from 'fast-check';
import { genericKernels, kernelsFor } from '../../src/network/kernels.ts';
import { createRandom } from '../../src/util/random.ts';
import { SEED } from '../helpers/arbitraries.ts';

/** The generated, row-blocked kernels against the plain loops, on shapes that leave remainder rows. */
describe('generated step kernels', () => {
  it('update, forward and backward agree with the plain loops for k = 1…17 and any m, n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 11 }), fc.integer(), (k, m, n, seed) => {
        const random = createRandom(seed);
        const fill = (len: number) => Float64Array.from({ length: len }, () => random.normal());
        const fast = kernelsFor(k);
        const slow = genericKernels(k);
        const w = fill(m * n);
        const a = fill(m * k);
        const b = fill(n * k);
        const w1 = Float64Array.from(w);
        const w2 = Float64Array.from(w);
        fast.update(w1, a, b, 0.3, m, n);
        slow.update(w2, a, b, 0.3, m, n);
        // Same products summed in a different order: agreement to a few ulps of the O(k) sums.
        w1.forEach((x, i) => expect(x).to.be.closeTo(w2[i]!, 1e-13 * k));
        const p = fill(n * k);
        const f1 = new Float64Array(m * k);
        const f2 = new Float64Array(m * k);
        fast.forward(f1, w, p, m, n);
        slow.forward(f2, w, p, m, n);
        f1.forEach((x, i) => expect(x).to.be.closeTo(f2[i]!, 1e-13 * n));
        const q = fill(k * m);
        const o1 = fill(k * n);
        const o2 = new Float64Array(k * n);
        fast.backward(o1, q, w, m, n);
        slow.backward(o2, q, w, m, n);
        o1.forEach((x, i) => expect(x).to.be.closeTo(o2[i]!, 1e-13 * m));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
