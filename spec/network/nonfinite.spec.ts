import { expect } from 'chai';
import { parseSimulationSpec } from '../../src/network/spec.ts';
import { simulate } from '../../src/network/simulate.ts';

// Issue 13 item 2: a run whose numbers overflow is 'failed' with the cause, never 'ok' with Infinity/null in it.
describe('simulate: non-finite results are failures', () => {
  it('tanh with learningRate 1e308: t = 2 × 1e308 overflows at step 2 → failed, records kept up to step 1', () => {
    const spec = parseSimulationSpec({
      task: { singularValues: [3, 1] }, depths: [3, 2], width: 16, nonlinearity: 'tanh',
      init: { kind: 'gaussian', sigma: 0.5, seed: 1 },
      train: { method: 'gd', learningRate: 1e308, steps: 10, recordEvery: 1 },
    });
    const r = simulate(spec);
    expect(r.status).to.equal('failed');
    expect(r.message).to.match(/diverged.*Infinity at step 2/);
    expect(r.times.every((t) => Number.isFinite(t))).to.equal(true);
  });

  it('flow with atol 1e308 (no error control): failed with the time it stopped at', () => {
    const spec = parseSimulationSpec({
      task: { singularValues: [3, 1] }, depths: [3, 2], width: 16,
      init: { kind: 'gaussian', sigma: 0.5, seed: 1 },
      train: { method: 'flow', times: [0, 1, 10, 100], solver: { atol: 1e308 } },
    });
    const r = simulate(spec);
    expect(r.status).to.equal('failed');
    expect(r.message).to.match(/stopped at t = /);
    expect(r.loss.every((l) => Number.isFinite(l))).to.equal(true);
  });
});
