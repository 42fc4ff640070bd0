import { expect } from 'chai';
import { solveReduced } from '../../src/reduced/solve.ts';

/** The result keeps flat columns and builds the nested arrays of its public shape on first use (issue 13). */
describe('solveReduced result: flat columns behind an unchanged public shape', () => {
  const problem = {
    singularValues: [3, 1],
    depths: [3, 2],
    init: { q: [[0.5, 0.4], [0.3, 0.2]], p: [[0.01, 0.02], [-0.02, 0.01]] },
    times: [0, 1, 5, 20, 80],
  };

  it('toJSON has the contract fields in the contract order, the same numbers as the properties', () => {
    const s = solveReduced(problem);
    const json = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
    expect(Object.keys(json)).to.deep.equal(['status', 'times', 'strengths', 'loss', 'stats']);
    expect(json['times']).to.deep.equal(problem.times);
    // strengths[t][pathway][mode]
    expect(s.strengths).to.have.length(5);
    expect(s.strengths[0]).to.deep.equal([
      [0.01 * 0.5 ** 2, 0.02 * 0.4 ** 2],
      [-0.02 * 0.3, 0.01 * 0.2],
    ]);
    expect(json['strengths']).to.deep.equal(s.strengths);
    expect(json['loss']).to.deep.equal(s.loss);
    expect(s.times).to.deep.equal(problem.times);
  });

  it('the nested arrays are built once: repeated reads return the same arrays, toJSON shares them', () => {
    const s = solveReduced(problem);
    const before = s.toJSON();
    expect(s.strengths).to.equal(s.strengths);
    expect(s.loss).to.equal(s.loss);
    expect(s.times).to.equal(s.times);
    const after = s.toJSON();
    expect(after.strengths).to.equal(s.strengths);
    expect(after).to.deep.equal(before);
  });

  it('a failed result names the failure first, before the times', () => {
    const s = solveReduced({ ...problem, solver: { method: 'dopri5', maxSteps: 2 } });
    expect(s.status).to.equal('failed');
    expect(Object.keys(s.toJSON())).to.deep.equal(['status', 'message', 'times', 'strengths', 'loss', 'stats']);
    expect(s.toJSON().strengths).to.have.length(s.times.length);
  });
});
