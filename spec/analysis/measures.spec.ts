import { expect } from 'chai';
import fc from 'fast-check';
import { blockStrengths, degenerateBlocks, participation, shares, winnerShare } from '../../src/analysis/measures.ts';
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
});
