/**
 * The `twolayer` sweep engine (issue 16, item 6): the aligned init's measures against the closed forms they
 * come from, the λ transition from rich to lazy, the random init through the flow, and its spec checks.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEngine, type EngineSettings } from '../../src/sweep/engines.ts';
import type { PointParameters } from '../../src/sweep/points.ts';
import { runSweep } from '../../src/sweep/runner.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import type { TwoLayerOutcome } from '../../src/sweep/engines/twolayer.ts';
import { ValidationError } from '../../src/util/errors.ts';

const point = (sigma: number, extra: Record<string, number> = {}, width = 30): PointParameters => ({
  depths: [2],
  sigma,
  width,
  target: 3,
  tau: 1,
  seed: 7,
  values: { ...extra },
});

describe('sweep engine twolayer', () => {
  it('aligned, balanced (λ = 0), learned: ΔW = √2(√S − σ), KA = 1 for a balanced mode, the Saxe learning time', async () => {
    const engine = await loadEngine('twolayer');
    const settings = { learningFraction: 0.5, twolayer: { init: 'aligned' } } as unknown as EngineSettings;
    const out = (await engine.run(point(0.1, { lambda: 0 }), settings)) as TwoLayerOutcome;
    expect(out.strengths[0]).to.be.closeTo(3, 1e-12);
    expect(out.twolayer.weightChange).to.be.closeTo(Math.SQRT2 * (Math.sqrt(3) - 0.1), 1e-12);
    // c = d at every time: the kernel's entries c² + d² scale together, its direction is fixed.
    expect(out.twolayer.kernelAlignment).to.be.closeTo(1, 1e-12);
    // Saxe sigmoid a = S/(1 + (S/a₀ − 1)e^{−2St}) reaches S/2 at t = ln(S/a₀ − 1)/(2S).
    expect(out.learningTime).to.be.closeTo(Math.log(3 / 0.01 - 1) / 6, 1e-9);
  });

  it('aligned: the weight change falls and the learning speeds up as |λ| grows (rich → lazy)', async () => {
    const engine = await loadEngine('twolayer');
    const settings = { learningFraction: 0.5, twolayer: { init: 'aligned' } } as unknown as EngineSettings;
    const rel: number[] = [];
    const times: number[] = [];
    for (const lambda of [0, 1, 10, 100]) {
      const o = (await engine.run(point(0.1, { lambda }), settings)) as TwoLayerOutcome;
      rel.push(o.twolayer.relativeWeightChange);
      times.push(o.learningTime!);
      expect(o.strengths[0]).to.be.closeTo(3, 1e-9);
    }
    for (let i = 1; i < rel.length; i++) {
      expect(rel[i]!).to.be.below(rel[i - 1]!);
      expect(times[i]!).to.be.below(times[i - 1]!);
    }
    // |λ| = 100 ≫ S: the product relaxes like e^{−|λ|t}, half-way at ≈ ln 2/|λ|.
    expect(times[3]!).to.be.closeTo(Math.log(2) / 100, 0.05 * Math.log(2) / 100);
  });

  it('random: gradient flow to `time` learns the task; rank 1 moves more than full rank at the same norm', async () => {
    const engine = await loadEngine('twolayer');
    const settings = { learningFraction: 0.5, time: 200 } as EngineSettings;
    let low = 0;
    let full = 0;
    for (const seed of [1, 2, 3, 4]) {
      const a = (await engine.run({ ...point(1.2, { rank: 1 }), seed }, settings)) as TwoLayerOutcome;
      const b = (await engine.run({ ...point(1.2), seed }, settings)) as TwoLayerOutcome;
      expect(a.twolayer.finalLoss).to.be.below(1e-10);
      low += a.twolayer.weightChange / 4;
      full += b.twolayer.weightChange / 4;
    }
    expect(low).to.be.above(full);
  });

  it('runs as a sweep over λ and writes its measures; refuses what does not apply, naming the field', async () => {
    const spec = parseSweepSpec({
      name: 'lambda',
      engine: 'twolayer',
      seeds: 1,
      twolayer: { init: 'aligned' },
      fixed: { sigma: 0.1, target: 3 },
      axes: { lambda: [0, 3, 30] },
      measures: ['kernelAlignment', 'relativeWeightChange', 'learningTime'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'dln-twolayer-'));
    try {
      const summary = await runSweep(spec, { outDir: dir, workers: 0, plots: false });
      expect(summary.failed).to.equal(0);
      const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
      expect(csv).to.have.length(1 + 3 * 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const base = { engine: 'twolayer', fixed: { sigma: 0.5 }, axes: { rank: [1, 2] }, time: 10, measures: ['kernelAlignment'] };
    expect(() => parseSweepSpec({ ...base, measures: ['winnerShare'] })).to.throw(ValidationError, /measures.*twolayer/);
    expect(() => parseSweepSpec({ ...base, time: undefined })).to.throw(ValidationError, /time/);
    expect(() => parseSweepSpec({ ...base, twolayer: { init: 'aligned' } })).to.throw(ValidationError, /axes\.rank/);
    expect(() => parseSweepSpec({ ...base, axes: { lambda: [0, 1] } })).to.throw(ValidationError, /axes\.lambda/);
    expect(() => parseSweepSpec({ engine: 'reduced', fixed: { sigma: 0.5, depth: 2 }, axes: { rank: [1, 2] } })).to.throw(ValidationError, /axes\.rank.*engine "twolayer"/);
    expect(() => parseSweepSpec({ ...base, twolayer: { init: 'lazy' } })).to.throw(ValidationError, /twolayer\.init/);
  });
});
