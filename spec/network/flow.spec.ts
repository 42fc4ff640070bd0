/**
 * Gradient flow of the full network through one integrator solve without dense output
 * (SolverOptions.denseOutput = false): long intervals, and networks above the former 200 000-weight limit.
 * Checked against the reduced ODE from an SVD-aligned initialisation (DESIGN §2.4), an independent solver.
 */
import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import { createNetwork } from '../../src/network/network.ts';
import { singularValueTask } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { solveReduced } from '../../src/reduced/solve.ts';

describe('gradient flow of the full network', () => {
  it('integrates a long interval in one solve without losing accuracy (aligned init vs solveReduced)', () => {
    const task = singularValueTask([3, 1]);
    const layers = [[[0.3, 0.2], [0.3, 0.2], [0.1, 0.05]], [[0.2, 0.3], [0.2, 0.3], [0.05, 0.1]]];
    const net = createNetwork(task, { depths: [3, 3], width: 6 }, { kind: 'aligned', layers, seed: 1 });
    const times = [0, 20, 60];
    const solver = { rtol: 1e-11, atol: 1e-13 };
    const full = train(createEngine(net, task), { method: 'flow', times, solver });
    const reduced = solveReduced({ singularValues: [3, 1], depths: [3, 3], init: { layers }, times, solver: { method: 'auto', ...solver } });
    expect(full.status).to.equal('ok');
    expect(full.records.map((r) => r.time)).to.deep.equal(times);
    // Far more steps than the 256 a dense output allocates up front: the run did not depend on that room.
    expect(full.solverSteps).to.be.above(256);
    // Both at rtol 1e-11 over t = 60 through a plateau and a fast transition: ≤ 1e-8 relative.
    full.records.forEach((rec, t) =>
      reduced.strengths[t]!.forEach((row, a) => row.forEach((k, m) => expect(rec.strengths[a]![m]!).to.be.closeTo(k, 1e-8 * 3))),
    );
  });

  it('runs above the former 200 000-weight limit and equals the reduced ODE there (207 360 weights)', () => {
    const task = singularValueTask([2, 1]);
    // Per pathway and layer, one value per mode; width 320, depths 3 and 3: 2·(2·320 + 320² + 320·2) weights.
    const layers = [[[0.4, 0.3], [0.4, 0.3], [0.3, 0.2]], [[0.3, 0.4], [0.3, 0.4], [0.2, 0.3]]];
    const net = createNetwork(task, { depths: [3, 3], width: 320 }, { kind: 'aligned', layers, seed: 3 });
    const engine = createEngine(net, task);
    expect(engine.theta.length).to.equal(207_360);
    const times = [0, 0.2, 0.5];
    const solver = { rtol: 1e-9, atol: 1e-12 };
    const full = train(engine, { method: 'flow', times, solver });
    const reduced = solveReduced({ singularValues: [2, 1], depths: [3, 3], init: { layers }, times, solver: { method: 'auto', ...solver } });
    expect(full.status).to.equal('ok');
    expect(full.records.map((r) => r.time)).to.deep.equal(times);
    // The weights moved: the last record differs from the first by far more than the tolerance below.
    expect(Math.abs(full.records[2]!.strengths[0]![0]! - full.records[0]!.strengths[0]![0]!)).to.be.above(1e-3);
    // Both solved at rtol 1e-9 over t ≤ 0.5 (global errors ~1e-8): agreement to 1e-6 of the strengths' scale (≤ 2).
    full.records.forEach((rec, t) =>
      reduced.strengths[t]!.forEach((row, a) => row.forEach((k, m) => expect(rec.strengths[a]![m]!).to.be.closeTo(k, 1e-6))),
    );
    // The engine is left at the final state.
    expect(engine.loss()).to.be.closeTo(full.records[2]!.loss, 1e-12 * Math.max(1, full.records[2]!.loss));
  });

  it('records only t = 0 without integrating when the times are [0]', () => {
    const task = singularValueTask([1]);
    const net = createNetwork(task, { depths: [2], width: 3 }, { kind: 'gaussian', sigma: 0.5, seed: 2 });
    const engine = createEngine(net, task);
    const loss0 = engine.loss();
    const full = train(engine, { method: 'flow', times: [0] });
    expect(full.status).to.equal('ok');
    expect(full.solverSteps).to.equal(0);
    expect(full.records).to.have.length(1);
    expect(full.records[0]!.loss).to.equal(loss0);
  });

  it('a failed solve reports the time reached and keeps the records before it', () => {
    const task = singularValueTask([3, 1]);
    const net = createNetwork(task, { depths: [3], width: 4 }, { kind: 'gaussian', sigma: 1, seed: 4 });
    const full = train(createEngine(net, task), { method: 'flow', times: [0, 1, 50], solver: { maxSteps: 5 } });
    expect(full.status).to.equal('failed');
    expect(full.message).to.match(/^gradient flow stopped at t = [0-9.e-]+: step budget exhausted: maxSteps = 5/);
    expect(full.records.length).to.be.below(3);
    expect(full.records[0]!.time).to.equal(0);
  });
});
