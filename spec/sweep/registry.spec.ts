import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineAvailable, loadEngine } from '../../src/sweep/engines.ts';
import { measureTitle, parameterTitle, sweepChart } from '../../src/sweep/plots.ts';
import { REFERENCE_BEGIN, REFERENCE_END, sweepReferenceTables } from '../../src/sweep/reference.ts';
import {
  measureOfColumn,
  registerSweepEngine,
  registerSweepMeasure,
  registerSweepParameter,
  registrationModules,
  sweepEngines,
  sweepMeasures,
  sweepParameters,
} from '../../src/sweep/registry.ts';
import { MAIN_THREAD_POINT_MS, runSweep } from '../../src/sweep/runner.ts';
import { ENGINES, MEASURE_NAMES, PARAMETERS, parseSweepSpec, specToJson } from '../../src/sweep/spec.ts';
import { ValidationError } from '../../src/util/errors.ts';

const BUILTIN_ENGINES = ['endstate', 'reduced', 'network', 'routing', 'twolayer'];
const BUILTIN_PARAMETERS = ['pathways', 'depth', ...Array.from({ length: 9 }, (_, i) => `depth${i + 1}`), 'sigma', 'width', 'target', 'tau', 'rule', 'rank', 'lambda'];
const BUILTIN_MEASURES = ['winnerShare', 'participation', 'deepestShare', 'learningTime', 'strengths', ...Array.from({ length: 9 }, (_, i) => `share${i + 1}`), 'pathwayKernelAlignment', 'kernelChange', 'authorsLoss', 'trainedError', 'untrainedError', 'sharedFraction', 'kernelAlignment', 'weightChange', 'relativeWeightChange', 'finalLoss'];

function errorOf(spec: unknown): ValidationError {
  try {
    parseSweepSpec(spec);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

const toySpec = {
  name: 'toy',
  engine: 'toy',
  seeds: 2,
  fixed: { sigma: 0.5, depth: 3 },
  axes: { gain: [0.5, 2, 6], pathways: [2, 3] },
  measures: ['total', 'winnerShare', 'strengths'],
};

describe('sweep registries', () => {
  it('hold the built-ins in the order messages list them', () => {
    expect(sweepEngines().map((e) => e.name)).to.deep.equal(BUILTIN_ENGINES);
    expect(sweepParameters().map((p) => p.name)).to.deep.equal(BUILTIN_PARAMETERS);
    expect(sweepMeasures().map((m) => m.name)).to.deep.equal(BUILTIN_MEASURES);
    // The old constant lists are live views of the registries.
    expect([...ENGINES]).to.deep.equal(BUILTIN_ENGINES);
    expect([...PARAMETERS]).to.deep.equal(BUILTIN_PARAMETERS);
    expect([...MEASURE_NAMES]).to.deep.equal(BUILTIN_MEASURES);
    expect(registrationModules(), 'built-ins need no module for workers').to.deep.equal([]);
    expect(sweepEngines().filter((e) => e.timeAxis).map((e) => e.name)).to.deep.equal(['reduced', 'network', 'twolayer']);
  });

  it('list the registered names when a spec names an unknown engine, parameter or measure', () => {
    const base = { engine: 'reduced', fixed: { sigma: 0.5 }, axes: { depth: [1, 2] } };
    expect(errorOf({ ...base, engine: 'fast' }).allowed).to.equal('one of "endstate", "reduced", "network", "routing", "twolayer"');
    expect(errorOf({ ...base, axes: { depht: [1] } }).allowed).to.equal(
      'no such parameter; known: pathways, depth, depth1 … depth9, sigma, width, target, tau, rule, rank, lambda',
    );
    expect(errorOf({ ...base, measures: ['entropy'] }).allowed).to.equal(`one of ${BUILTIN_MEASURES.map((m) => `"${m}"`).join(', ')}`);
    expect(errorOf({ ...base, engine: 'endstate', measures: ['learningTime'] }).allowed).to.equal(
      'measures with a time axis need engine "reduced", "network" or "twolayer"',
    );
  });

  it('refuse names that are taken or malformed', () => {
    const engine = sweepEngines().find((e) => e.name === 'network')!;
    expect(() => registerSweepEngine({ ...engine })).to.throw(TypeError, /already registered/);
    expect(() => registerSweepParameter({ name: 'sigma', rule: {}, meaning: 'again' })).to.throw(TypeError, /already registered/);
    expect(() => registerSweepMeasure({ name: 'has space', meaning: '', compute: () => ({}) })).to.throw(TypeError, /name/);
    expect(() => registerSweepEngine({ ...engine, name: 'other' })).to.throw(TypeError, /options field "network" belongs to another engine/);
    expect([...ENGINES]).to.deep.equal(BUILTIN_ENGINES);
  });

  it('give plots their titles, symbols and ranges from the registrations', () => {
    expect(parameterTitle('depth2')).to.equal('depth D₂ of pathway 2');
    expect(parameterTitle('sigma')).to.equal('initial scale σ');
    expect(measureTitle('strength3')).to.equal('final K of pathway 3');
    expect(measureTitle('share2')).to.equal('share of pathway 2');
    expect(measureOfColumn('strength12')?.name).to.equal('strengths');
    expect(measureOfColumn('winnerShare')?.clip).to.deep.equal([0, 1]);
    expect(measureOfColumn('learningTime')?.clip).to.equal(undefined);
  });

  it('are what docs/sweeps.md lists, between its generated markers', () => {
    const doc = readFileSync(new URL('../../docs/sweeps.md', import.meta.url), 'utf8');
    const block = doc.slice(doc.indexOf(REFERENCE_BEGIN) + REFERENCE_BEGIN.length, doc.indexOf(REFERENCE_END));
    expect(block.trim(), 'rerun: npx tsx src/sweep/reference.ts --write docs/sweeps.md').to.equal(sweepReferenceTables());
    for (const name of [...BUILTIN_ENGINES, 'pathways', 'depth1 … depth9', 'sigma', 'tau', 'winnerShare', 'share1 … share9']) {
      expect(block).to.contain(`| \`${name}\` |`);
    }
  });

  describe('a model registered from outside src/sweep', () => {
    let toy: typeof import('./fixtures/toy-model.ts');
    before(async () => {
      toy = await import('./fixtures/toy-model.ts');
    });
    after(() => toy.unregisterToyModel());

    it('extends the validator, its messages and the docs tables', () => {
      expect(errorOf({ ...toySpec, engine: 'fast' }).allowed).to.equal('one of "endstate", "reduced", "network", "routing", "twolayer", "toy"');
      expect(errorOf({ ...toySpec, axes: { gainn: [1] } }).allowed).to.match(/known: pathways, .*, tau, rule, rank, lambda, gain$/);
      expect(errorOf({ ...toySpec, measures: ['sum'] }).allowed).to.match(/"finalLoss", "total"$/);
      // Its own rules: the parameter's range, the options field, the engine's cross-field check, no time axis.
      expect(errorOf({ ...toySpec, axes: { gain: [20] } }).field).to.equal('axes.gain[0]');
      expect(errorOf({ ...toySpec, toy: { offset: 'x' } }).field).to.equal('toy.offset');
      expect(errorOf({ ...toySpec, engine: 'reduced', toy: {} }).allowed).to.equal('nothing unless engine is "toy"');
      expect(errorOf({ ...toySpec, solver: { rtol: 1e-6 } }).allowed).to.equal('nothing with engine "toy"');
      expect(errorOf({ ...toySpec, time: 3 }).allowed).to.equal('nothing with engine "toy" (it has no time axis)');
      expect(errorOf({ ...toySpec, measures: ['learningTime'] }).allowed).to.equal('measures with a time axis need engine "reduced", "network" or "twolayer"');
      expect(sweepReferenceTables()).to.contain('| `toy` | no |').and.to.contain('| `gain` | output gain g of the toy model |');
      expect(registrationModules()).to.deep.equal([new URL('./fixtures/toy-model.ts', import.meta.url).href]);
      // The options field round-trips through the stored form, as resumes and merges need.
      const spec = parseSweepSpec({ ...toySpec, toy: { offset: 0.25 } });
      expect(specToJson(spec)['toy']).to.deep.equal({ offset: 0.25 });
      expect(parseSweepSpec(specToJson(spec))).to.deep.equal(spec);
    });

    it('loads its engine only when a sweep runs it, then computes its measures, on the main thread and on workers alike', async () => {
      const spec = parseSweepSpec(toySpec);
      expect(toy.loads, 'parsing loads no engine').to.equal(0);
      const here = mkdtempSync(join(tmpdir(), 'dln-toy-'));
      const there = mkdtempSync(join(tmpdir(), 'dln-toy-w-'));
      const a = await runSweep(spec, { outDir: here, workers: 0, plots: false });
      expect(toy.loads).to.equal(1);
      const b = await runSweep(spec, { outDir: there, workers: 2, plots: false });
      expect(b.workers).to.equal(2);
      expect(toy.loads, 'workers load it in their own threads').to.equal(1);
      for (const f of ['points.jsonl', 'results.csv', 'results.json']) {
        expect(readFileSync(join(there, f), 'utf8'), f).to.equal(readFileSync(join(here, f), 'utf8'));
      }
      // g = 6 is beyond the toy range: a ComputationError, recorded with its message; the sweep goes on.
      expect(a.results.pointsFailed).to.equal(4);
      expect(a.results.failures[0]!.message).to.equal('g = 6: gain beyond the toy model’s range');
      const row = (measure: string, gain: number, pathways: number) =>
        a.results.rows.find((r) => r.measure === measure && r.coords['gain'] === gain && r.coords['pathways'] === pathways)!;
      // Σ K = g·S (S = 3 by default); with M = 3 the last pathway holds 3/6 of it.
      expect(row('total', 2, 3).mean).to.be.closeTo(6, 1e-12);
      expect(row('winnerShare', 2, 3).mean).to.be.closeTo(0.5, 1e-12);
      expect(row('strength3', 0.5, 3).mean).to.be.closeTo(0.75, 1e-12);
      expect(row('strength3', 0.5, 2).seeds, 'M = 2 has no third pathway').to.equal(0);
      expect(await engineAvailable('toy')).to.equal(true);
      expect(sweepChart(spec, a.results, { kind: 'heatmap', measure: 'total', x: 'gain', y: 'pathways' }).title).to.be.a('string');
    });

    it('auto mode keeps points on the main thread only while each is quick: a slow one sends the rest to workers', async () => {
      // A signal is handled between points only, so the auto choice must not run slow points here (issue 13).
      const small = { ...toySpec, axes: { gain: [0.5, 2], pathways: [2] } };
      const quick = await runSweep(parseSweepSpec(small), { outDir: mkdtempSync(join(tmpdir(), 'dln-toy-q-')), plots: false });
      expect(quick.workers, 'quick points stay on the main thread').to.equal(0);
      // 400 ms > MAIN_THREAD_POINT_MS (250 ms) with margin for a loaded machine's timer jitter.
      const slowSpec = parseSweepSpec({ ...small, toy: { busyMs: 400 } });
      const slowDir = mkdtempSync(join(tmpdir(), 'dln-toy-s-'));
      const slow = await runSweep(slowSpec, { outDir: slowDir, plots: false });
      expect(MAIN_THREAD_POINT_MS).to.be.below(400);
      expect(slow.workers, 'the rest went to worker threads').to.be.at.least(1);
      expect(slow.ran).to.equal(4);
      // Where a point ran changes nothing in its record.
      const here = mkdtempSync(join(tmpdir(), 'dln-toy-s0-'));
      await runSweep(slowSpec, { outDir: here, workers: 0, plots: false });
      expect(readFileSync(join(slowDir, 'points.jsonl'), 'utf8')).to.equal(readFileSync(join(here, 'points.jsonl'), 'utf8'));
    });

    it('is gone once unregistered', async () => {
      toy.unregisterToyModel();
      expect([...ENGINES]).to.deep.equal(BUILTIN_ENGINES);
      expect(errorOf(toySpec).field).to.equal('engine');
      let caught: unknown;
      await loadEngine('toy').catch((err: unknown) => (caught = err));
      expect(caught).to.be.instanceOf(ValidationError);
      expect((caught as ValidationError).allowed).to.equal('one of "endstate", "reduced", "network", "routing", "twolayer"');
    });
  });
});
