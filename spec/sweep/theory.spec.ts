/**
 * Small phase diagrams from the reduced engine, checked against the theory of Shi, Shea-Brown & Buice (2022)
 * (research/shi2022.md §2.3–2.4) with the same checks the demo reports in its summary.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDepthSigma, checkUnequalDepths, checkWidthDepth, spearman, type Check } from '../../src/cli/demo-sweeps.ts';
import { runSweep } from '../../src/sweep/runner.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';

const root = mkdtempSync(join(tmpdir(), 'dln-theory-'));

async function results(name: string, input: Record<string, unknown>) {
  const spec = parseSweepSpec({ name, engine: 'reduced', seed: 99, seeds: 6, measures: ['winnerShare', 'deepestShare'], ...input });
  return (await runSweep(spec, { outDir: join(root, name), workers: 0, plots: false })).results;
}

const expectAll = (checks: Check[]): void => {
  for (const c of checks) expect(c.pass, `${c.claim}: ${c.evidence}`).to.equal(true);
};

describe('phase diagrams agree with the theory (reduced engine, small grids)', () => {
  it('depth 2 never concentrates; concentration rises with depth', async () => {
    const depths = [1, 2, 3, 5, 8, 12];
    const sigmas = [0.1, 0.4, 1];
    const r = await results('a', { fixed: { width: 100, target: 3 }, axes: { depth: depths, sigma: sigmas } });
    expectAll(checkDepthSigma(r, depths, sigmas));
  });

  it('for unequal depths σ decides the winner: shallow at small σ, deep at large σ', async () => {
    const depths = [1, 2, 4, 6];
    const sigmas = [0.5, 1.25];
    const r = await results('b', { fixed: { width: 1000, target: 3 }, axes: { depth1: depths, depth2: depths, sigma: sigmas } });
    expectAll(checkUnequalDepths(r, depths, sigmas));
  });

  it('wider networks concentrate less, and depth 2 tends to an even split', async () => {
    const widths = [10, 10000];
    const depths = [2, 3, 4, 6];
    const r = await results('c', { seeds: 12, fixed: { sigma: 0.5, target: 3 }, axes: { width: widths, depth: depths } });
    expectAll(checkWidthDepth(r, widths, depths));
  });

  it('ranks for the depth check: Spearman ρ with tied values sharing their mean rank, NaN when a cell is missing', () => {
    // No ties: ranks of y are (1, 0, 3, 2, 4), Σd² = 4, ρ = 1 − 6·4/(5·24) = 0.8.
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).to.be.closeTo(0.8, 1e-15);
    // Three saturated ties: y ranks (0, 2, 2, 2) against (0, 1, 2, 3): Σxy = 3, Σxx = 5, Σyy = 3, ρ = 3/√15 —
    // not 1, which ranking ties in index order would give.
    expect(spearman([1, 2, 3, 4], [0.5, 1, 1, 1])).to.be.closeTo(3 / Math.sqrt(15), 1e-15);
    expect(spearman([1, 2, 3], [0.5, NaN, 1])).to.be.NaN;
  });

  it('each check fails on a diagram that contradicts the theory (synthetic rows)', () => {
    const row = (coords: Record<string, number>, measure: string, mean: number) =>
      ({ coords, measure, mean, ciLow: null, ciHigh: null, sd: null, seeds: 1, failed: 0 });
    const failing = (checks: Check[]): boolean[] => checks.map((c) => c.pass);
    const depths = [1, 2, 3, 4];
    const sigmas = [0.1, 1];
    // (a) depth 2 concentrated (0.7 > 0.6), and no rise with depth at σ = 1.
    const a = depths.flatMap((depth) => sigmas.map((sigma) => row({ depth, sigma }, 'winnerShare', depth === 2 ? 0.7 : sigma === 1 ? 0.55 : 0.5 + depth / 10)));
    expect(failing(checkDepthSigma({ rows: a }, depths, sigmas))).to.deep.equal([false, false]);
    // (b) the deeper pathway wins at small σ in one cell, and loses at large σ in one cell.
    const b = depths.flatMap((depth1) => depths.flatMap((depth2) => sigmas.map((sigma) => {
      const flipped = depth1 === 1 && depth2 === 4;
      return row({ depth1, depth2, sigma }, 'deepestShare', (sigma === 1) !== flipped ? 0.9 : 0.1);
    })));
    expect(failing(checkUnequalDepths({ rows: b }, depths, sigmas))).to.deep.equal([false, false]);
    // (c) D = 4 concentrates more at the larger width, and depth 2 stays uneven there.
    const c = [10, 1000].flatMap((width) => [2, 3, 4].map((depth) => row({ width, depth }, 'winnerShare', depth === 4 ? (width === 10 ? 0.8 : 0.9) : width === 10 ? 0.9 : 0.6)));
    expect(failing(checkWidthDepth({ rows: c }, [10, 1000], [2, 3, 4]))).to.deep.equal([false, false]);
  });
});
