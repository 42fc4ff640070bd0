import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import { fromRows, mul, thinSvd, transpose, type Mat } from '../../src/network/matrix.ts';
import { createNetwork, type NetworkInit } from '../../src/network/network.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { datasetTask, hierarchicalTargets, hierarchicalTask, singularValueTask } from '../../src/network/task.ts';
import { snapshot } from '../../src/network/train.ts';

function expectOrthonormalColumns(m: Mat, tol: number): void {
  const g = mul(transpose(m), m);
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) expect(g.data[i * g.cols + j]).to.be.closeTo(i === j ? 1 : 0, tol);
}

function reconstruct(u: Mat, s: number[], v: Mat): Mat {
  const us = { rows: u.rows, cols: u.cols, data: u.data.map((x, i) => x * s[i % u.cols]!) };
  return mul(us, transpose(v));
}

describe('network tasks', () => {
  it('hierarchical dataset: 8 items × 15 features of a three-level tree, singular values √15, √7, √3, √3, 1 ×4', () => {
    const y = hierarchicalTargets();
    expect(y).to.have.length(8);
    // Every item has exactly one feature per level (root, half, quarter, itself): 4 ones per row.
    y.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).to.equal(4));
    const task = hierarchicalTask();
    expect(task.whitened).to.equal(true);
    // Closed form: YᵀY has the tree's block structure; its eigenvalues are 15, 7, 3, 3, 1, 1, 1, 1.
    const expected = [15, 7, 3, 3, 1, 1, 1, 1].map(Math.sqrt);
    task.singularValues.forEach((s, i) => expect(s).to.be.closeTo(expected[i]!, 1e-12));
    expectOrthonormalColumns(task.u, 1e-12);
    expectOrthonormalColumns(task.v, 1e-12);
    const back = reconstruct(task.u, task.singularValues, task.v);
    back.data.forEach((x, i) => expect(x).to.be.closeTo(task.sigmaYX.data[i]!, 1e-12));
  });

  it('singular-value task with a random basis: orthogonal U, V and Σ^{yx} = U S Vᵀ', () => {
    const task = singularValueTask([3, 2, 2, 0.5], 'random', 42);
    expectOrthonormalColumns(task.u, 1e-13);
    expectOrthonormalColumns(task.v, 1e-13);
    const svd = thinSvd(task.sigmaYX);
    svd.s.forEach((s, i) => expect(s).to.be.closeTo([3, 2, 2, 0.5][i]!, 1e-12));
    task.inputVariances.forEach((l) => expect(l).to.be.closeTo(1, 1e-13));
  });

  it('dataset task: mean and sum differ by the factor P in Σ^x and Σ^{yx}', () => {
    const x = fromRows([[1, 0], [0, 2], [1, 1]]);
    const y = fromRows([[1], [2], [0]]);
    const mean = datasetTask(x, y, 'mean');
    const sum = datasetTask(x, y, 'sum');
    // Σ^x = XᵀX/P with XᵀX = [[2, 1], [1, 5]]; Σ^{yx} = YᵀX/P with YᵀX = [1, 4].
    expect(Array.from(sum.sigmaX.data)).to.deep.equal([2, 1, 1, 5]);
    expect(Array.from(sum.sigmaYX.data)).to.deep.equal([1, 4]);
    mean.sigmaX.data.forEach((v, i) => expect(v).to.be.closeTo(sum.sigmaX.data[i]! / 3, 1e-15));
    expect(mean.whitened).to.equal(false);
  });

  it('rejects increasing singular values, naming the field', () => {
    expect(() => singularValueTask([1, 2])).to.throw('task.singularValues[1]: got 2');
  });
});

describe('network initialisations', () => {
  const task = singularValueTask([2, 1, 0.5]);

  it('gaussian: entries have variance σ²/N in every layer, first and last included', () => {
    const N = 200;
    const sigma = 0.7;
    const net = createNetwork(task, { depths: [3], width: N }, { kind: 'gaussian', sigma, seed: 1 });
    for (const layer of net.pathways[0]!.layers) {
      const n = layer.data.length;
      const variance = layer.data.reduce((s, w) => s + w * w, 0) / n;
      // The estimate of a variance from n Gaussian draws has relative standard error √(2/n); allow 5 of them.
      expect(variance / (sigma * sigma / N)).to.be.closeTo(1, 5 * Math.sqrt(2 / n));
    }
  });

  it('orthogonal: σ times orthonormal columns (tall layers) or rows (wide layers)', () => {
    const net = createNetwork(task, { depths: [3, 1], width: 9 }, { kind: 'orthogonal', sigma: 1.5, seed: 2 });
    for (const p of net.pathways) {
      for (const layer of p.layers) {
        const tall = layer.rows >= layer.cols;
        const m = tall ? layer : transpose(layer);
        const scaled = { ...m, data: m.data.map((x) => x / 1.5) };
        expectOrthonormalColumns(scaled, 1e-13);
      }
    }
  });

  it('lowRank: rank r and the Frobenius norm a Gaussian layer of the same σ has in expectation', () => {
    const N = 30;
    const net = createNetwork(task, { depths: [3], width: N }, { kind: 'lowRank', sigma: 0.8, rank: 2, seed: 3 });
    for (const layer of net.pathways[0]!.layers) {
      expect(thinSvd(layer, 1e-10).s.length).to.equal(Math.min(2, layer.rows, layer.cols));
      const norm = Math.sqrt(layer.data.reduce((s, w) => s + w * w, 0));
      expect(norm).to.be.closeTo(0.8 * Math.sqrt((layer.rows * layer.cols) / N), 1e-12);
    }
  });

  it('aligned: K_a = diag(∏_d w_adα) exactly, with nothing off the diagonal', () => {
    const layers = [[[0.5, -0.3, 0.2], [0.7, 0.4, 0.9], [1.1, 0.6, -0.5]], [[0.3, 0.2, 0.1]]];
    const net = createNetwork(task, { depths: [3, 1], width: 5 }, { kind: 'aligned', layers, seed: 4 });
    const snap = snapshot(createEngine(net, task), 0);
    const expected = layers.map((p) => [0, 1, 2].map((m) => p.reduce((k, l) => k * l[m]!, 1)));
    snap.modes.forEach((k, a) => {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) expect(k.data[i * 3 + j]).to.be.closeTo(i === j ? expected[a]![i]! : 0, 1e-15);
      }
    });
  });

  it('aligned init rejects a width below the number of modes', () => {
    expect(() => createNetwork(task, { depths: [2], width: 2 }, { kind: 'aligned', layers: [[[1, 1, 1], [1, 1, 1]]], seed: 0 }))
      .to.throw(ValidationError, 'width: got 2')
      .with.property('field', 'width');
  });

  it('API input the spec parser would have caught is a ValidationError too: aligned layer values, init kind', () => {
    const aligned = (layers: number[][][]) => () => createNetwork(task, { depths: [2], width: 4 }, { kind: 'aligned', layers, seed: 0 });
    expect(aligned([])).to.throw(ValidationError, /^init\.layers\[0\]: got nothing \(missing\); allowed: one entry per layer \(depth 2\)/);
    expect(aligned([[[1, 1, 1]]])).to.throw(ValidationError).with.property('field', 'init.layers[0]');
    expect(aligned([[[1, 1, 1], [1, 1]]])).to.throw(ValidationError, /^init\.layers\[0\]\[1\]: got \[1,1\]; allowed: 3 finite numbers/);
    const bogus = { kind: 'xavier', sigma: 1, seed: 0 } as unknown as NetworkInit;
    expect(() => createNetwork(task, { depths: [2], width: 4 }, bogus)).to.throw(ValidationError, /^init\.kind: got "xavier"; allowed: one of "gaussian"/);
  });
});
