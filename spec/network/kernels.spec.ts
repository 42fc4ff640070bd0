import { expect } from 'chai';
import fc from 'fast-check';
import { genericKernels, kernelsFor } from '../../src/network/kernels.ts';
import { Arena, arenaSize, fromPanelTransposed, toPanel, wasmKernels } from '../../src/network/wasm.ts';
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

describe('WebAssembly SIMD step kernels', () => {
  it('update, forward and backward agree with the plain loops for k = 1…16, odd and even m, n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 11 }), fc.integer(), (k, m, n, seed) => {
        const random = createRandom(seed);
        const arena = new Arena(arenaSize([m * n, m * k, n * k, 2 * k * n + 2 * k, k * m, m * k, 2 * k * n + 2 * k]));
        const wasm = wasmKernels(k, arena);
        expect(wasm, 'Node ≥ 20 has WebAssembly SIMD').to.not.equal(null);
        const fill = (x: Float64Array) => { for (let i = 0; i < x.length; i++) x[i] = random.normal(); return x; };
        const slow = genericKernels(k);
        const w = fill(arena.alloc(m * n));
        const a = fill(arena.alloc(m * k));
        const b = fill(arena.alloc(n * k));
        const panel = arena.alloc(2 * k * Math.ceil(n / 2));
        const q = fill(arena.alloc(k * m));
        const out = arena.alloc(m * k);
        const outPanel = arena.alloc(2 * k * Math.ceil(n / 2));
        const expectedForward = new Float64Array(m * k);
        slow.forward(expectedForward, w, b, m, n);
        wasm!.forward(out.byteOffset, w.byteOffset, b.byteOffset, m, n);
        out.forEach((x, i) => expect(x).to.be.closeTo(expectedForward[i]!, 1e-13 * n));
        const expectedBackward = new Float64Array(k * n);
        slow.backward(expectedBackward, q, w, m, n);
        wasm!.backward(outPanel.byteOffset, q.byteOffset, w.byteOffset, m, n);
        const backward = new Float64Array(k * n);
        fromPanelTransposed(outPanel, n, k, backward);
        backward.forEach((x, i) => expect(x).to.be.closeTo(expectedBackward[i]!, 1e-13 * m));
        const expectedW = Float64Array.from(w);
        slow.update(expectedW, a, b, 0.3, m, n);
        toPanel(b, n, k, panel);
        wasm!.update(w.byteOffset, a.byteOffset, panel.byteOffset, 0.3, m, n);
        w.forEach((x, i) => expect(x).to.be.closeTo(expectedW[i]!, 1e-13 * k));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe('left factor Qᵀ E', () => {
  it('the generated kernel agrees with the plain loops', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.integer(), (k, r, m, seed) => {
        const random = createRandom(seed);
        const fill = (len: number) => Float64Array.from({ length: len }, () => random.normal());
        const q = fill(r * m);
        const e = fill(r * k);
        const fast = new Float64Array(m * k);
        const slow = new Float64Array(m * k);
        kernelsFor(k).transposeLeft(fast, q, e, r, m);
        genericKernels(k).transposeLeft(slow, q, e, r, m);
        fast.forEach((x, i) => expect(x).to.be.closeTo(slow[i]!, 1e-13 * r));
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});
