import { expect } from 'chai';
import { dln, jsonFiles } from '../helpers/cli.ts';
import { simulate } from '../../src/network/index.ts';

const files = jsonFiles('dln-simulate-');
const specFile = files.write;

const aligned = {
  task: { singularValues: [2, 1] },
  depths: [2, 1],
  width: 4,
  init: { kind: 'aligned', layers: [[[0.5, 0.2], [0.4, 0.3]], [[0.1, 0.05]]], seed: 1 },
  train: { method: 'gd', learningRate: 0.1, steps: 5, recordEvery: 2 },
};

describe('dln simulate (CLI)', () => {
  it('prints { status, times, strengths, loss }: records at steps 0, k, 2k, … and n, time s·η', () => {
    const run = dln(['simulate', specFile(aligned)]);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { status: string; times: number[]; strengths: number[][][]; loss: number[] };
    expect(Object.keys(result)).to.have.members(['status', 'times', 'strengths', 'loss']);
    expect(result.status).to.equal('ok');
    result.times.forEach((t, i) => expect(t).to.be.closeTo([0, 0.2, 0.4, 0.5][i]!, 1e-15));
    // Step 0: K_aα = ∏_d w_adα of the aligned init; loss ½ Σ_α (S_α − Σ_a K_aα)².
    const k0 = result.strengths[0]!;
    [[0.2, 0.06], [0.1, 0.05]].forEach((row, a) => row.forEach((k, m) => expect(k0[a]![m]).to.be.closeTo(k, 1e-15)));
    expect(result.loss[0]).to.be.closeTo(0.5 * ((2 - 0.3) ** 2 + (1 - 0.11) ** 2), 1e-14);
    // The CLI prints exactly what the library function returns.
    expect(result).to.deep.equal(JSON.parse(JSON.stringify(simulate(aligned))));
  });

  it('hierarchical dataset with tanh pathways and gradient flow; stdin with -', () => {
    const spec = {
      task: { dataset: 'hierarchical' },
      depths: [2, 2],
      width: 16,
      nonlinearity: 'tanh',
      init: { kind: 'gaussian', sigma: 0.5, seed: 3 },
      train: { method: 'flow', times: [0, 0.5, 1] },
    };
    const run = dln(['simulate', '-'], JSON.stringify(spec));
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { times: number[]; strengths: number[][][]; loss: number[] };
    expect(result.times).to.deep.equal([0, 0.5, 1]);
    expect(result.strengths[2]).to.have.length(2);
    expect(result.strengths[2]![0]).to.have.length(8);
    // Gradient flow never increases the loss.
    expect(result.loss[1]).to.be.below(result.loss[0]!);
    expect(result.loss[2]).to.be.below(result.loss[1]!);
  });

  it('invalid specs: message naming the field on stderr, nothing on stdout, exit code 2', () => {
    const run = dln(['simulate', specFile({ ...aligned, width: 1 })]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('width: got 1; allowed: ≥ K = 2');
    const bad = dln(['simulate', specFile({ ...aligned, train: { method: 'gd', learningRate: -1, steps: 3, recordEvery: 1 } })]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('train.learningRate: got -1; allowed: a finite number > 0');
  });

  it('a diverging run reports status "failed" with the records so far and exits 1', () => {
    const run = dln(['simulate', specFile({ ...aligned, train: { method: 'gd', learningRate: 50, steps: 40, recordEvery: 1 } })]);
    expect(run.code).to.equal(1);
    const result = JSON.parse(run.stdout) as { status: string; message: string; times: number[] };
    expect(result.status).to.equal('failed');
    expect(result.message).to.contain('diverged');
    expect(result.times.length).to.be.below(41);
    expect(run.stderr).to.contain('simulate failed');
  });
});
