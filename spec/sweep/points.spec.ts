import { expect } from 'chai';
import fc from 'fast-check';
import { cellCount, pointAt, pointCount, pointParameters, pointSeed, shardIndices } from '../../src/sweep/points.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';

const spec = parseSweepSpec({
  engine: 'reduced',
  seed: 11,
  seeds: 3,
  fixed: { sigma: 0.5, depth: 2 },
  axes: { depth2: [1, 2, 3], width: [10, 100] },
});

describe('sweep points and seeds', () => {
  it('enumerates cells with the last axis fastest, seeds innermost', () => {
    expect(cellCount(spec)).to.equal(6);
    expect(pointCount(spec)).to.equal(18);
    expect(pointAt(spec, 0).coords).to.deep.equal({ depth2: 1, width: 10 });
    expect(pointAt(spec, 4)).to.include({ cell: 1, replicate: 1 });
    expect(pointAt(spec, 4).coords).to.deep.equal({ depth2: 1, width: 100 });
    expect(pointAt(spec, 17).coords).to.deep.equal({ depth2: 3, width: 100 });
  });

  it('maps coordinates over fixed values over defaults, per pathway', () => {
    const p = pointParameters(spec, pointAt(spec, 5));
    // depth2 = 1 is the axis value; pathway 1 falls back to fixed.depth = 2; target and M are defaults.
    expect(p).to.deep.include({ depths: [2, 1], sigma: 0.5, width: 100, target: 3, tau: 1 });
  });

  it('derives a point seed from its coordinates, not from where the axis sits in the spec', () => {
    const swapped = parseSweepSpec({ ...spec, axes: { width: [10, 100], depth2: [1, 2, 3] }, fixed: spec.fixed });
    const a = pointAt(spec, 4); // depth2 = 1, width = 100, replicate 1
    const b = pointAt(swapped, 1 * 3 * 3 + 0 * 3 + 1); // width = 100 (index 1), depth2 = 1 (index 0), replicate 1
    expect(b.coords).to.deep.equal({ width: 100, depth2: 1 });
    expect(b.seed).to.equal(a.seed);
  });

  it('gives distinct, safe-integer seeds to distinct points (no collisions on a 100 × 100 × 10 grid)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      for (let j = 0; j < 100; j++) {
        for (let r = 0; r < 10; r++) {
          const s = pointSeed(7, { depth: i, sigma: j / 100 }, r);
          expect(Number.isSafeInteger(s) && s >= 0).to.equal(true);
          seen.add(s);
        }
      }
    }
    // 10⁵ draws from 2⁵³ values: a collision has probability ≈ 10¹⁰ / 2⁵⁴ ≈ 6·10⁻⁷ if the hash mixes well.
    expect(seen.size).to.equal(100_000);
    expect(pointSeed(8, { depth: 1 }, 0)).to.not.equal(pointSeed(7, { depth: 1 }, 0));
  });

  it('splits the points into k disjoint shards that cover them all (property, seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 12 }), (total, k) => {
        const all = Array.from({ length: k }, (_, i) => shardIndices(total, { index: i + 1, count: k })).flat();
        expect(all.length).to.equal(total);
        expect(new Set(all).size).to.equal(total);
        expect(Math.max(-1, ...all)).to.equal(total - 1);
      }),
      { seed: 4242, numRuns: 200 },
    );
  });
});

describe('shard arguments', () => {
  it('parses i/k and rejects anything else, naming the option', async () => {
    const { parseShard } = await import('../../src/sweep/store.ts');
    expect(parseShard('2/8')).to.deep.equal({ index: 2, count: 8 });
    for (const bad of ['3/2', '0/2', '1/0', '1', 'a/b', '1/2/3']) {
      expect(() => parseShard(bad), bad).to.throw(/^--shard: got /);
    }
  });
});
