/** `dln meanfield` as a user runs it: the example, the result's contract, and bad input (exit code 2). */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dln, jsonFiles } from '../helpers/cli.ts';

describe('dln meanfield', () => {
  const files = jsonFiles('dln-meanfield-');
  const example = JSON.parse(readFileSync(new URL('../../examples/meanfield-fa.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('solves the example: the contract fields in order, approaching the fixed point', () => {
    const run = dln(['meanfield', files.write(example)]);
    expect(run.code, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown> & { times: number[]; residual: number[]; kernel: number[]; feedbackOverlap: number[]; fixedPoint: { kernel: number; feedbackOverlap: number; a: number } };
    expect(Object.keys(out)).to.deep.equal(['status', 'times', 'residual', 'kernel', 'feedbackOverlap', 'fixedPoint']);
    expect(out.times).to.deep.equal(example['times']);
    // ρ = 0.5, γ₀ = 1.5, y = 1: the fixed point of other-seeds.md §3(c) (printed to 4 decimals).
    expect(out.fixedPoint.a).to.be.closeTo(0.8177, 1e-4);
    expect(out.fixedPoint.kernel).to.be.closeTo(1.6687, 1e-4);
    // At t = 8, Δ ≈ e^{−8 K*} with K* = H* + G̃* ≈ 2.5: the state is at the fixed point to ~1e-8.
    expect(out.kernel.at(-1)!).to.be.closeTo(out.fixedPoint.kernel, 1e-7);
    expect(out.feedbackOverlap.at(-1)!).to.be.closeTo(out.fixedPoint.feedbackOverlap, 1e-7);
    expect(out.residual[0]).to.equal(1);
  });

  it('reads stdin with -', () => {
    const run = dln(['meanfield', '-'], JSON.stringify({ rule: 'gd', gamma0: 1.5, target: 1, times: [0.5] }));
    expect(run.code, run.stderr).to.equal(0);
    expect((JSON.parse(run.stdout) as { residual: number[] }).residual[0]).to.be.closeTo(0.3042, 1e-4);
  });

  it('exits 2 naming the field for bad input', () => {
    for (const [spec, name] of [
      [{ ...example, rule: 'dfa' }, 'rho'],
      [{ ...example, gamma0: 0 }, 'gamma0'],
      [{ ...example, times: [0, 2, 1] }, 'times\\[2\\]'],
      [{ ...example, target: 'one' }, 'target'],
    ] as const) {
      const run = dln(['meanfield', files.write(spec)]);
      expect(run.code, JSON.stringify(spec)).to.equal(2);
      expect(run.stderr).to.match(new RegExp(`${name}: got`));
    }
  });
});
