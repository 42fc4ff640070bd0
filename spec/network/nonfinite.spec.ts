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

  it('flow tolerances where dopri5 is accurate only: atol 1e308 (no error control) and rtol 1 are refused by name', () => {
    const base = { task: { singularValues: [3, 1] }, depths: [3, 2], width: 16, init: { kind: 'gaussian', sigma: 0.5, seed: 1 } };
    const flow = (solver: object) => ({ ...base, train: { method: 'flow', times: [0, 1, 10, 100], solver } });
    // Scale max(1, max S) = 3: atol ≤ 3e-3; rtol in [1e-13, 1e-3], as for the reduced solver.
    expect(() => parseSimulationSpec(flow({ atol: 1e308 }))).to.throw(/train\.solver\.atol/);
    expect(() => parseSimulationSpec(flow({ atol: 3.1e-3 }))).to.throw(/train\.solver\.atol/);
    expect(() => parseSimulationSpec(flow({ rtol: 1 }))).to.throw(/train\.solver\.rtol/);
    expect(() => parseSimulationSpec(flow({ rtol: 1e-15 }))).to.throw(/train\.solver\.rtol/);
    expect(parseSimulationSpec(flow({ atol: 3e-3, rtol: 1e-3 })).train).to.have.property('solver');
  });

  it('a flow that runs out of steps: failed with the time it stopped at, records finite', () => {
    const spec = parseSimulationSpec({
      task: { singularValues: [3, 1] }, depths: [3, 2], width: 16,
      init: { kind: 'gaussian', sigma: 0.5, seed: 1 },
      train: { method: 'flow', times: [0, 1, 10, 100], solver: { maxSteps: 3 } },
    });
    const r = simulate(spec);
    expect(r.status).to.equal('failed');
    expect(r.message).to.match(/stopped at t = /);
    expect(r.loss.every((l) => Number.isFinite(l))).to.equal(true);
  });
});
