import { expect } from 'chai';
import { depthOneStrengths } from '../../src/exact/depth1.ts';
import { depthTwoState } from '../../src/exact/depth2.ts';
import { wideGaussianInit } from '../../src/reduced/init.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import { engineAvailable, learningTimeScale, loadEngine, networkSpec, reducedProblem, recordedLearningTime, type EngineSettings } from '../../src/sweep/engines.ts';
import { pointMeasures } from '../../src/sweep/measure.ts';
import type { PointParameters } from '../../src/sweep/points.ts';
import { runPoint } from '../../src/sweep/run-point.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { ComputationError } from '../../src/util/errors.ts';

const settings: EngineSettings = { learningFraction: 0.5 };
const point = (depths: number[], sigma: number, seed: number, width = 50, target = 3): PointParameters => ({
  depths,
  sigma,
  width,
  target,
  tau: 1,
  seed,
});

describe('sweep engines', () => {
  it('reduced: the end state of depth-1 pathways is the start plus equal increments (closed form)', async () => {
    const engine = await loadEngine('reduced');
    for (const seed of [1, 2, 3]) {
      const params = point([1, 1, 1], 0.4, seed);
      const { p } = wideGaussianInit(0.4, 50, seed, 3, 1);
      const exact = depthOneStrengths(p.map((row) => row[0]!), 3, Infinity);
      const { strengths } = await engine.run(params, settings);
      // The engine stops once |S − Σ K|/S ≤ 1e-6; each pathway holds a third of what is left, plus solver error (rtol 1e-8).
      strengths.forEach((k, a) => expect(k).to.be.closeTo(exact[a]!, 2e-6));
    }
  });

  it('reduced: the end state of depth-2 pathways matches the Riccati closed form at t → ∞', async () => {
    const engine = await loadEngine('reduced');
    for (const sigma of [0.05, 0.3, 1]) {
      const params = point([2, 2], sigma, 9);
      const { p, q } = wideGaussianInit(sigma, 50, 9, 2, 1);
      const exact = depthTwoState(p.map((r) => r[0]!), q.map((r) => r[0]!), 3, 1e6).strengths;
      const { strengths } = await engine.run(params, settings);
      // As above: the stopping rule leaves |S − Σ K| ≤ 3e-6, shared between the pathways.
      strengths.forEach((k, a) => expect(k).to.be.closeTo(exact[a]!, 5e-6));
    }
  });

  it('reduced: finds the learning time of depth-1 pathways, t = ln 2 / M for Σ K(0) ≈ 0 (closed form)', async () => {
    const engine = await loadEngine('reduced');
    const params = point([1, 1], 1e-6, 4, 1);
    const { learningTime } = await engine.run(params, settings);
    // Σ(t) = S(1 − e^{−Mt}) + Σ₀ e^{−Mt} reaches S/2 at t = ln 2/M up to O(Σ₀/S) = O(1e-6).
    expect(learningTime!).to.be.closeTo(Math.LN2 / 2, 1e-5);
  });

  it('reduced: its first horizon learns depth-1 pathways whatever S (residual e^{−Mt/τ}, closed form)', () => {
    for (const target of [0.1, 3, 100]) {
      for (const M of [1, 3]) {
        const params: PointParameters = { ...point(Array<number>(M).fill(1), 0.1, 1, 50, target), tau: 2 };
        // The engine first integrates to 20 time scales; DESIGN §2.5 (D = 1): the residual is then e^{−20·M·scale/τ}·r₀.
        expect(Math.exp((-20 * M * learningTimeScale(params)) / params.tau), `S = ${target}, M = ${M}`).to.be.below(1e-6);
      }
    }
  });

  it('reduced: integrates on until learned when the first horizon falls short (depths 1 and 12, σ = 1)', async () => {
    const params = point([1, 12], 1, 3, 10);
    // An independent reference: Rosenbrock at rtol 1e-10 far past learning (the mode is learned by t ≈ 10).
    const tight = solveReduced(reducedProblem(params, [0, 1e3], { method: 'rosenbrock', rtol: 1e-10, atol: 1e-12 }));
    const reference = tight.strengths.at(-1)!.map((row) => row[0]!);
    const first = solveReduced(reducedProblem(params, [0, 20 * learningTimeScale(params)]));
    const shortfall = Math.abs(3 - first.strengths.at(-1)!.reduce((s, row) => s + row[0]!, 0));
    expect(shortfall, 'the first horizon leaves a residual (else this case tests nothing)').to.be.above(1e-5);
    const { strengths } = await (await loadEngine('reduced')).run(params, settings);
    // Stopping at |S − Σ K| ≤ 3e-6 (LEARNED_RTOL·S) with the default solver tolerances.
    strengths.forEach((k, a) => expect(k, `pathway ${a + 1}`).to.be.closeTo(reference[a]!, 5e-6));
  });

  it('reduced: accepts an end state whose pathways cancel (|K_a| ≫ S), judging the residual against Σ|K_a|', async () => {
    // Width 1 draws p₀ = (2.95, −1.57) beside q₀ = 2: pathway 1 has c = q² − p² < 0 and ends at K ≈ +4234,
    // pathway 2 at ≈ −4231; their sum S = 3 is reached at the solver's relative error in each K_a, ~1e-8·4234.
    const params = point([12, 12], 2, 3, 1);
    const tight = solveReduced(reducedProblem(params, [0, 1], { method: 'rosenbrock', rtol: 1e-11, atol: 1e-12 }));
    const reference = tight.strengths.at(-1)!.map((row) => row[0]!);
    expect(Math.abs(reference[0]!)).to.be.above(1000);
    const { strengths } = await (await loadEngine('reduced')).run(params, settings);
    // The engine stops at |S − Σ K| ≤ 1e-6·Σ|K_a|; each K_a carries the default rtol 1e-8 (measured: 2e-8 apart).
    strengths.forEach((k, a) => expect(k, `pathway ${a + 1}`).to.be.closeTo(reference[a]!, 1e-6 * Math.abs(reference[a]!)));
  });

  it('reduced: a point whose solve fails throws a ComputationError, and runPoint records it as failed with its message', async () => {
    const engine = await loadEngine('reduced');
    for (const time of [undefined, 5]) {
      let caught: unknown;
      try {
        await engine.run(point([3, 3], 0.3, 1), { learningFraction: 0.5, solver: { maxSteps: 3 }, ...(time === undefined ? {} : { time }) });
      } catch (err) {
        caught = err;
      }
      expect(caught, `time ${time}`).to.be.instanceOf(ComputationError);
      expect((caught as Error).message, `time ${time}`).to.not.equal('');
    }
    const spec = parseSweepSpec({ engine: 'reduced', fixed: { sigma: 0.3, depth: 3 }, axes: { width: [10] }, solver: { maxSteps: 3 } });
    const record = await runPoint(spec, 0);
    expect(record).to.include({ index: 0, status: 'failed' });
    expect(record.values).to.deep.equal({});
    expect(record.message).to.be.a('string').and.not.equal('');
  });

  it('network: a point becomes the dln simulate spec of DESIGN §2.3 (Gaussian layers of scale σ, width N, its seed)', () => {
    const spec = networkSpec(point([3, 5], 0.7, 42, 64, 2.5), { learningFraction: 0.5, time: 8 });
    expect(spec).to.deep.include({
      task: { singularValues: [2.5] },
      depths: [3, 5],
      width: 64,
      init: { kind: 'gaussian', sigma: 0.7, seed: 42 },
    });
    const times = (spec['train'] as { method: string; times: number[] }).times;
    expect(spec['train']).to.include({ method: 'flow' });
    expect([times[0], times[1], times.at(-1), times.length]).to.deep.equal([0, 8e-4, 8, 201]);
    const orthogonalGd = networkSpec(point([2], 1, 1), { learningFraction: 0.5, network: { init: 'orthogonal', train: { method: 'gd', learningRate: 0.1, steps: 5, recordEvery: 1 } } });
    expect(orthogonalGd['init']).to.deep.equal({ kind: 'orthogonal', sigma: 1, seed: 1 });
    expect(orthogonalGd['train']).to.deep.equal({ method: 'gd', learningRate: 0.1, steps: 5, recordEvery: 1 });
  });

  it('network: depth-1 pathways learn S with the closed-form learning time ln 2 / M', async function () {
    if (!(await engineAvailable('network'))) this.skip(); // src/network/ not present in this checkout
    const engine = await loadEngine('network');
    const { strengths, learningTime } = await engine.run(point([1, 1], 1e-4, 1, 4), { learningFraction: 0.5, time: 20 });
    // Σ K(t) = S + (Σ₀ − S) e^{−2t}: at t = 20 the residual is ~3e-17 S; the simulator's flow tolerance bounds the rest.
    expect(strengths[0]! + strengths[1]!).to.be.closeTo(3, 1e-6);
    // Records are log-spaced (ratio 10^{4/199} ≈ 1.047, spacing ≈ 0.016 at t ≈ 0.35); linear interpolation of the
    // exponential there errs by ≲ spacing²·max|Σ''|/(8·|Σ'|) ≈ 1e-4, and Σ₀ ~ 1e-4 shifts t by O(1e-4).
    expect(learningTime!).to.be.closeTo(Math.LN2 / 2, 5e-4);
  });

  it('network: honours τ like the reduced engine — the depth-1 learning time is τ ln 2 / M (closed form)', async function () {
    if (!(await engineAvailable('network'))) this.skip();
    const params: PointParameters = { ...point([1, 1], 1e-4, 1, 4), tau: 4 };
    const settingsT = { learningFraction: 0.5, time: 80 };
    const net = await (await loadEngine('network')).run(params, settingsT);
    const red = await (await loadEngine('reduced')).run(params, settingsT);
    // DESIGN §2.5 (D = 1): Σ K reaches S/2 at t = τ ln 2/M; the tolerance above, scaled by τ.
    expect(net.learningTime!).to.be.closeTo((4 * Math.LN2) / 2, 4 * 5e-4);
    expect(red.learningTime!).to.be.closeTo((4 * Math.LN2) / 2, 4e-5);
    expect(net.strengths[0]! + net.strengths[1]!).to.be.closeTo(3, 1e-6);
    // Stopped at t = 2 = τ/2: Σ K = S(1 − e^{−Mt/τ}) + Σ₀ e^{−Mt/τ} = 3(1 − e^{−1}) up to Σ₀ = O(σ) = O(1e-4).
    const early = await (await loadEngine('network')).run(params, { learningFraction: 0.5, time: 2 });
    expect(early.strengths[0]! + early.strengths[1]!).to.be.closeTo(3 * (1 - Math.exp(-1)), 1e-3);
  });

  it('the end-state engine draws the wide-Gaussian start as the parser does: the same doubles as endState of the point’s problem', async function () {
    if (!(await engineAvailable('endstate'))) this.skip();
    const { endState } = await import('../../src/exact/endstate.ts');
    const { endStateProblem } = await import('../../src/sweep/engines/endstate.ts');
    const { reducedProblem } = await import('../../src/sweep/engines/reduced-problem.ts');
    const endstate = await loadEngine('endstate');
    for (const [depths, sigma, seed] of [[[2, 3], 0.4, 1], [[1, 4, 6], 1.1, 7], [[5, 5], 0.05, 123456789]] as const) {
      const params = point([...depths], sigma, seed, 100);
      // Through the parser (init.wideGaussian and times), exactly as the engine called it before.
      const viaParser = endState(reducedProblem(params, [0])).strengths.map((row) => row[0]!);
      expect((await endstate.run(params, settings)).strengths).to.deep.equal(viaParser);
      expect('times' in endStateProblem(params)).to.equal(false);
    }
  });

  it('end state and reduced engines agree on final strengths where both apply', async function () {
    if (!(await engineAvailable('endstate'))) {
      this.skip(); // src/exact/endstate.ts not present in this checkout
    }
    const endstate = await loadEngine('endstate');
    const reduced = await loadEngine('reduced');
    const cases: [number[], number][] = [
      [[2, 2], 0.5],
      [[3, 3], 0.3],
      [[4, 4], 0.8],
      [[2, 4], 0.5],
      [[2, 4], 1.25],
      [[1, 3], 0.7],
      [[3, 6], 1],
      [[5, 5, 5], 0.6],
    ];
    for (const [depths, sigma] of cases) {
      for (const seed of [1, 2]) {
        const params = point(depths, sigma, seed, 100);
        const a = (await endstate.run(params, settings)).strengths;
        const b = (await reduced.run(params, settings)).strengths;
        // The reduced run stops at |S − Σ K|/S ≤ 1e-6 with rtol 1e-8; the end state is exact up to its root find.
        a.forEach((k, i) => expect(k, `${depths} σ=${sigma} seed ${seed} pathway ${i}`).to.be.closeTo(b[i]!, 5e-6));
      }
    }
  });
});

describe('sweep measures', () => {
  it('computes shares, winner share, participation and the deeper pathway’s share from strengths', () => {
    const v = pointMeasures(['winnerShare', 'participation', 'deepestShare', 'share1', 'strengths'], point([2, 5], 1, 1), {
      strengths: [0.75, 2.25],
    });
    // shares ¼, ¾: participation = 1/(2(1/16 + 9/16)) = 0.8
    expect(v).to.deep.equal({ winnerShare: 0.75, participation: 0.8, deepestShare: 0.75, share1: 0.25, strength1: 0.75, strength2: 2.25 });
    const tied = pointMeasures(['deepestShare'], point([4, 4, 2], 1, 1), { strengths: [1, 2, 3] });
    // The two deepest pathways hold 1/6 and 2/6: their mean share is 1/4.
    expect(tied['deepestShare']).to.be.closeTo(0.25, 1e-15);
  });

  it('reads a learning time off records by linear interpolation, null when never reached', () => {
    const K = (s: number) => [[s / 2], [s / 2]];
    expect(recordedLearningTime([0, 1, 2, 3], [K(0), K(0.5), K(1.5), K(3)], 1)).to.equal(1.5);
    expect(recordedLearningTime([0, 1], [K(0), K(0.5)], 1)).to.equal(null);
  });
});
