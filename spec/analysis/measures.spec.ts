import { expect } from 'chai';
import fc from 'fast-check';
import { blockMatrixStrengths, blockStrengths, degenerateBlocks, participation, shares, winnerShare } from '../../src/analysis/measures.ts';
import { SEED } from '../helpers/arbitraries.ts';

const positive = fc.double({ min: 1e-3, max: 10, noNaN: true, noDefaultInfinity: true });
const strengthsArb = fc
  .record({ M: fc.integer({ min: 1, max: 5 }), K: fc.integer({ min: 1, max: 4 }) })
  .chain(({ M, K }) => fc.array(fc.array(positive, { minLength: K, maxLength: K }), { minLength: M, maxLength: M }));

describe('measures of concentration (DESIGN §2.6)', () => {
  it('shares sum to 1; winner share and participation lie in [1/M, 1]', () => {
    fc.assert(
      fc.property(strengthsArb, (K) => {
        const M = K.length;
        const s = shares(K);
        s[0]!.forEach((_, m) => expect(s.reduce((sum, row) => sum + row[m]!, 0)).to.be.closeTo(1, 1e-12));
        // Tolerances: a few ulps of round-off in sums of ≤ 5 terms.
        for (const w of winnerShare(K)) expect(w).to.be.within(1 / M - 1e-12, 1 + 1e-12);
        for (const p of participation(K)) expect(p).to.be.within(1 / M - 1e-12, 1 + 1e-12);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('even splits give winner share 1/M and participation 1; one pathway gives 1 and 1/M', () => {
    for (let M = 1; M <= 5; M++) {
      const even = Array.from({ length: M }, () => [2, 0.5]);
      winnerShare(even).forEach((w) => expect(w).to.be.closeTo(1 / M, 1e-15));
      participation(even).forEach((p) => expect(p).to.be.closeTo(1, 1e-15));
      const one = Array.from({ length: M }, (_, a) => (a === M - 1 ? [3, 1] : [0, 0]));
      winnerShare(one).forEach((w) => expect(w).to.equal(1));
      participation(one).forEach((p) => expect(p).to.be.closeTo(1 / M, 1e-15));
    }
  });

  it('measures do not depend on the order of pathways or on the overall scale', () => {
    fc.assert(
      fc.property(strengthsArb, positive, (K, c) => {
        const reversed = [...K].reverse();
        const scaled = K.map((row) => row.map((k) => c * k));
        winnerShare(reversed).forEach((w, m) => expect(w).to.be.closeTo(winnerShare(K)[m]!, 1e-12));
        participation(scaled).forEach((p, m) => expect(p).to.be.closeTo(participation(K)[m]!, 1e-12));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('degenerate singular values are grouped into blocks, and block strengths are rotation invariant', () => {
    expect(degenerateBlocks([3, 2, 2, 1, 1, 1])).to.deep.equal([[0], [1, 2], [3, 4, 5]]);
    // A rotation inside a degenerate block moves strength between its modes but keeps the block's norm.
    const theta = 0.3;
    const before = [[1, 0]];
    const after = [[Math.cos(theta), Math.sin(theta)]];
    expect(blockStrengths(after, [[0, 1]])[0]![0]).to.be.closeTo(blockStrengths(before, [[0, 1]])[0]![0]!, 1e-15);
  });

  describe('block strengths of whole mode matrices', () => {
    // A random rotation acting within each block: a product of Givens rotations by random angles.
    function blockRotation(K: number, blocks: number[][], angles: number[]): number[][] {
      const R: number[][] = Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 1 : 0)));
      let next = 0;
      for (const block of blocks) {
        for (let x = 0; x < block.length; x++) {
          for (let y = x + 1; y < block.length; y++) {
            const theta = angles[next++ % angles.length]!;
            const [i, j] = [block[x]!, block[y]!];
            for (const row of R) {
              const [ri, rj] = [row[i]!, row[j]!];
              row[i] = Math.cos(theta) * ri - Math.sin(theta) * rj;
              row[j] = Math.sin(theta) * ri + Math.cos(theta) * rj;
            }
          }
        }
      }
      return R;
    }
    const rotate = (Km: number[][], R: number[][]) =>
      R.map((_, i) => R.map((__, j) => Km.reduce((s, row, k) => s + R[k]![i]! * row.reduce((t, v, l) => t + v * R[l]![j]!, 0), 0)));

    const caseArb = fc
      .record({ M: fc.integer({ min: 1, max: 3 }), sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }) })
      .chain(({ M, sizes }) => {
        const K = sizes.reduce((a, b) => a + b, 0);
        const entry = fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true });
        return fc.record({
          sizes: fc.constant(sizes),
          matrices: fc.array(fc.array(fc.array(entry, { minLength: K, maxLength: K }), { minLength: K, maxLength: K }), { minLength: M, maxLength: M }),
          angles: fc.array(fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), { minLength: 1, maxLength: 6 }),
        });
      });

    it('is invariant under a common rotation of U and V within each degenerate block', () => {
      fc.assert(
        fc.property(caseArb, ({ sizes, matrices, angles }) => {
          let start = 0;
          const blocks = sizes.map((n) => Array.from({ length: n }, () => start++));
          const R = blockRotation(start, blocks, angles);
          const before = blockMatrixStrengths(matrices, blocks);
          const after = blockMatrixStrengths(matrices.map((Km) => rotate(Km, R)), blocks);
          // Round-off of two 9-term matrix products with entries ≤ 3: well below 1e-12 relative to the norm.
          before.forEach((row, a) => row.forEach((v, b) => expect(after[a]![b]!).to.be.closeTo(v, 1e-12 * (1 + v))));
        }),
        { seed: SEED, numRuns: 100 },
      );
    });

    it('equals the diagonal version for diagonal mode matrices, and |K_aα| for single-mode blocks', () => {
      const diag = [[2, -1, 0.5], [0.1, 3, -4]];
      const matrices = diag.map((d) => d.map((v, i) => d.map((_, j) => (i === j ? v : 0))));
      const blocks = [[0], [1, 2]];
      expect(blockMatrixStrengths(matrices, blocks)).to.deep.equal(blockStrengths(diag, blocks));
      expect(blockMatrixStrengths(matrices, [[0], [1], [2]])).to.deep.equal(diag.map((d) => d.map(Math.abs)));
    });

    it('counts off-diagonal mass inside a block, which a diagonal read-out misses', () => {
      const K = [[[0, 1], [1, 0]]];
      expect(blockMatrixStrengths(K, [[0, 1]])[0]![0]).to.be.closeTo(Math.SQRT2, 1e-15);
      expect(blockStrengths([[0, 0]], [[0, 1]])[0]![0]).to.equal(0);
    });
  });
});
