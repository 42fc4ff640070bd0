import { expect } from 'chai';
import { dln, jsonFiles } from '../helpers/cli.ts';
import { solveReduced } from '../../src/reduced/solve.ts';

const files = jsonFiles('dln-endstate-');
const problemFile = files.write;

// Two depth-4 pathways and a depth-1 one, three modes; no times (the engine needs none).
const problem = {
  singularValues: [4, 2, 1],
  depths: [4, 4, 1],
  init: {
    q: [
      [0.7, 0.7, 0.7],
      [0.7, 0.7, 0.7],
      [0, 0, 0],
    ],
    p: [
      [0.08, 0.02, -0.05],
      [0.05, 0.04, 0.01],
      [0.01, 0.0, 0.02],
    ],
  },
};

describe('dln endstate (CLI)', () => {
  it('prints exactly { status, strengths, shares, winnerShare, participation }, matching a long ODE solve', () => {
    const run = dln(['endstate', problemFile(problem)]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(result)).to.deep.equal(['status', 'strengths', 'shares', 'winnerShare', 'participation']);
    expect(result['status']).to.equal('ok');
    const strengths = result['strengths'] as number[][];
    expect(strengths).to.have.length(3);
    expect(strengths[0]).to.have.length(3);
    // Independent check: the ODE at t = 1e4 (every mode long converged) at rtol 1e-12.
    const ode = solveReduced({ ...problem, times: [1e4], solver: { rtol: 1e-12, atol: 1e-14 } });
    ode.strengths[0]!.forEach((row, a) =>
      row.forEach((k, m) => expect(strengths[a]![m]).to.be.closeTo(k, 1e-8 * (Math.abs(k) + problem.singularValues[m]!))),
    );
    const shares = result['shares'] as number[][];
    expect(shares[0]![0]).to.be.closeTo(strengths[0]![0]! / 4, 1e-14);
    expect((result['winnerShare'] as number[])[0]).to.equal(Math.max(...shares.map((r) => r[0]!)));
  });

  it('reads stdin with - and accepts balanced per-layer values', () => {
    const layers = problem.depths.map((D, a) => [
      ...Array.from({ length: D - 1 }, () => problem.init.q[a]!),
      problem.init.p[a]!,
    ]);
    const fromLayers = dln(['endstate', '-'], JSON.stringify({ ...problem, init: { layers } }));
    const fromQp = dln(['endstate', problemFile(problem)]);
    expect(fromLayers.code, fromLayers.stderr).to.equal(0);
    expect(JSON.parse(fromLayers.stdout)).to.deep.equal(JSON.parse(fromQp.stdout));
  });

  it('per-layer values that are not balanced: exit 2, says the engine needs the (q, p) form', () => {
    const layers = [
      [[0.7, 0.7, 0.7], [0.6, 0.7, 0.7], [0.7, 0.7, 0.7], [0.08, 0.02, -0.05]],
      [[0.7, 0.7, 0.7], [0.7, 0.7, 0.7], [0.7, 0.7, 0.7], [0.05, 0.04, 0.01]],
      [[0.01, 0, 0.02]],
    ];
    const run = dln(['endstate', problemFile({ ...problem, init: { layers } })]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('init.layers[0]');
    expect(run.stderr).to.contain('the end-state engine needs the (q, p) form');
  });

  it('invalid problems name the field; a mode nobody can learn prints null shares', () => {
    const bad = dln(['endstate', problemFile({ ...problem, singularValues: [4, 'x', 1] })]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('singularValues[1]');
    const stuck = dln([
      'endstate',
      problemFile({ singularValues: [1], depths: [3, 3], init: { q: [[0], [0.5]], p: [[0], [-0.7]] } }),
    ]);
    expect(stuck.code, stuck.stderr).to.equal(0);
    const result = JSON.parse(stuck.stdout);
    expect(result.strengths).to.deep.equal([[0], [0]]);
    expect(result.shares).to.deep.equal([[null], [null]]);
  });

  it('a clock beyond double range fails with exit 1 and says why (no stack trace)', () => {
    const run = dln([
      'endstate',
      problemFile({ singularValues: [3], depths: [869, 3], init: { q: [[0.42], [0.5]], p: [[0.07], [-0.9]] } }),
    ]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('endstate failed');
    expect(run.stderr).to.contain('overflows double precision');
    expect(run.stderr).to.not.contain('    at ');
  });
});
