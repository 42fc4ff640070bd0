/**
 * The package's entry points (package.json "exports", docs/architecture.md): the everyday API at the root,
 * each layer's full API at its subpath, resolved by name as a user's import would be.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, string> };

/** A few names each subpath must give (its reason to exist), and names that must stay off the root. */
const SUBPATHS: Readonly<Record<string, readonly string[]>> = {
  './integrate': ['integrate', 'dopri5', 'rosenbrock', 'auto'],
  './reduced': ['solveModes', 'solveReduced', 'parseReducedProblem', 'balancedModeModel', 'halvedModeModel', 'wideGaussianInit'],
  './exact': ['endState', 'modeEndState', 'saxeStrength', 'equalFactorsTime'],
  './network': ['simulate', 'createNetwork', 'createEngine', 'registerEngine', 'mapToReduced'],
  './sweep': ['parseSweepSpec', 'runSweep', 'registerSweepEngine', 'registerSweepParameter', 'registerSweepMeasure'],
  './plot': ['renderVegaLite', 'heatmapChart'],
  './gated': ['solveGated', 'parseGatedProblem', 'routingProblem', 'kPathGraph', 'findSharedModes', 'raceMode'],
  './richlazy': ['solveTwoLayer', 'kernelAlignment', 'effectiveRank', 'linearNtk', 'lambdaBalancedPair', 'alignedModeSolution', 'projectOntoTaskModes', 'trainRnn', 'parseRnnSpec'],
  './rules': ['solveMeanField', 'meanFieldFixedPoint', 'meanFieldModel', 'feedbackAlignmentRoot', 'solveFeedbackModes', 'feedbackModeEndState', 'parseFeedbackModeProblem', 'effectiveKernel', 'lazyKernelScale'],
};
const ROOT = [
  'solveReduced', 'endState', 'modeEndState', 'simulate', 'parseSweepSpec', 'runSweep', 'readSweepPoints', 'mergeSweeps',
  'shares', 'winnerShare', 'participation', 'blockStrengths', 'blockMatrixStrengths', 'degenerateBlocks',
  'createRandom', 'ValidationError', 'ComputationError', 'isDlnError',
];

describe('entry points', () => {
  it('package.json lists the root and one subpath per layer', () => {
    expect(Object.keys(pkg.exports).sort()).to.deep.equal(['.', './package.json', ...Object.keys(SUBPATHS)].sort());
  });

  it('the root gives exactly the everyday API', async () => {
    const root = (await import('dln-dynamics')) as Record<string, unknown>;
    // Values only (types leave no trace at run time): internals such as integrators, engines or sweep
    // registries belong to the subpaths.
    expect(Object.keys(root).filter((k) => k !== 'default').sort()).to.deep.equal([...ROOT].sort());
    for (const name of ROOT) expect(root[name], name).to.be.a('function');
  });

  for (const [subpath, names] of Object.entries(SUBPATHS)) {
    it(`dln-dynamics${subpath.slice(1)} resolves and gives ${names.join(', ')}`, async () => {
      const mod = (await import(`dln-dynamics${subpath.slice(1)}`)) as Record<string, unknown>;
      for (const name of names) expect(mod[name], `${subpath}: ${name}`).to.be.a('function');
    });
  }

  it('the root and the subpaths hand out the same functions (one implementation each)', async () => {
    const root = (await import('dln-dynamics')) as Record<string, unknown>;
    const reduced = (await import('dln-dynamics/reduced')) as Record<string, unknown>;
    const sweep = (await import('dln-dynamics/sweep')) as Record<string, unknown>;
    expect(root['solveReduced']).to.equal(reduced['solveReduced']);
    expect(root['runSweep']).to.equal(sweep['runSweep']);
  });
});
