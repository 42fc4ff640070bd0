/**
 * Small phase diagrams from the reduced engine, checked against the theory of Shi, Shea-Brown & Buice (2022)
 * (research/shi2022.md §2.3–2.4) with the same checks the demo reports in its summary.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDepthSigma, checkUnequalDepths, checkWidthDepth, type Check } from '../../src/cli/demo-sweeps.ts';
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
});
