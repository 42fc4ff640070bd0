/** A simulation is costed before anything is built: what cannot finish is refused at once, with the way out. */
import { expect } from 'chai';
import { estimateSimulationCost } from '../../src/network/cost.ts';
import { parseSimulationSpec } from '../../src/network/spec.ts';
import { simulate } from '../../src/network/simulate.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { dln, jsonFiles } from '../helpers/cli.ts';

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  task: { singularValues: [3, 1] },
  depths: [3, 2],
  width: 16,
  init: { kind: 'gaussian', sigma: 0.5, seed: 1 },
  train: { method: 'gd', learningRate: 0.02, steps: 100, recordEvery: 10 },
  ...extra,
});

describe('simulation cost limits', () => {
  // The cases: each would exhaust 3.5 GB or run for minutes; each must be refused in well under a second.
  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['width 8192, depth 10', base({ width: 8192, depths: [10] }), /GiB/],
    ['width 8192, depth 100', base({ width: 8192, depths: [100] }), /GiB/],
    ['20 pathways of depth 3 at width 8192', base({ width: 8192, depths: new Array(20).fill(3) }), /GiB/],
    ['gradient flow at width 8192', base({ width: 8192, depths: [3], train: { method: 'flow', times: [0, 1] } }), /GiB/],
    ['a billion steps recorded every step', base({ train: { method: 'gd', learningRate: 0.01, steps: 1e9, recordEvery: 1 } }), /records/],
    ['K = 20,000 singular values in a random basis', base({ task: { singularValues: new Array(20000).fill(1), basis: 'random', seed: 1 } }), /GiB/],
    ['K = 3,000 in a random basis (minutes of task build and steps)', base({ task: { singularValues: new Array(3000).fill(1), basis: 'random', seed: 1 }, train: { method: 'gd', learningRate: 0.02, steps: 100, recordEvery: 100 } }), /s of work/],
  ];
  for (const [name, spec, what] of refused) {
    it(`refuses ${name}, naming the estimate and the option that raises the limit`, () => {
      const t0 = Date.now();
      expect(() => simulate(spec)).to.throw(ValidationError, what).with.property('field', 'spec');
      expect(() => simulate(spec)).to.throw(/raise the limit \(simulate\(spec, \{ limits/);
      expect(Date.now() - t0).to.be.below(2000);
    });
  }

  it('grows with steps, records and width; a raised limit lets a refused spec through the check', () => {
    const cost = (s: Record<string, unknown>) => estimateSimulationCost(parseSimulationSpec(s));
    expect(cost(base({ width: 64 })).seconds).to.be.above(cost(base()).seconds);
    expect(cost(base({ train: { method: 'gd', learningRate: 0.02, steps: 100, recordEvery: 1 } })).memoryBytes).to.be.above(cost(base()).memoryBytes);
    const big = base({ train: { method: 'gd', learningRate: 0.01, steps: 5, recordEvery: 1 }, width: 2048, depths: [3] });
    expect(() => simulate(big, { limits: { memoryBytes: 1e6 } })).to.throw(ValidationError, /at most 1\.0 MiB|at most 0\.0 MiB|MiB/);
    expect(simulate(base(), { limits: { seconds: 1e6, memoryBytes: 1e12 } }).status).to.equal('ok');
    expect(() => simulate(base(), { limits: { seconds: 0 } })).to.throw(ValidationError, /options\.limits\.seconds/);
    expect(() => simulate(base(), null as never)).to.throw(ValidationError, /^options: got null/);
  });

  it('dln simulate --max-time refuses before starting, exit 2; bad flags are named', () => {
    const files = jsonFiles('dln-sim-cost-');
    const file = files.write(base({ train: { method: 'gd', learningRate: 0.02, steps: 1e8, recordEvery: 1e8 } }));
    const run = dln(['simulate', file, '--max-time', '1']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/estimated .* s of work"; allowed: at most 1 s/);
    expect(dln(['simulate', file, '--max-memory', 'lots']).stderr).to.match(/--max-memory: got "lots"/);
  });

  it('counts the frozen backward matrices: FA one B per layer above the first, DFA one N_d × n_out projection per hidden layer', () => {
    const cost = (rule: unknown) => estimateSimulationCost(parseSimulationSpec(base({ train: { method: 'gd', learningRate: 0.02, steps: 100, recordEvery: 10, rule } }))).memoryBytes;
    // depths [3, 2], width 16, K = 2: layers 2→16→16→2 and 2→16→2.
    // FA: B for 16×16, 2×16 (pathway 1) and 2×16 (pathway 2) = 256 + 32 + 32 numbers.
    expect(cost({ kind: 'fa', rho: 0.5, seed: 1 }) - cost('gd')).to.equal(8 * (256 + 32 + 32));
    // DFA: projections 16×2 and 16×2 (pathway 1), 16×2 (pathway 2) = 96 numbers.
    expect(cost({ kind: 'dfa', seed: 1 }) - cost('gd')).to.equal(8 * 96);
    expect(cost('hebb')).to.equal(cost('gd'));
  });
});

