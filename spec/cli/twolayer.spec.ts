/** `dln twolayer` as a user runs it: the example, both solvers agreeing, and bad input (exit codes 0 / 2). */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dln, jsonFiles } from '../helpers/cli.ts';

describe('dln twolayer', () => {
  const files = jsonFiles('dln-twolayer-');
  const example = JSON.parse(readFileSync(new URL('../../examples/twolayer-balanced.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('solves the example exactly and by flow, with the same product and kernel alignment', function () {
    this.timeout(60000);
    const exact = dln(['twolayer', files.write(example)]);
    const flow = dln(['twolayer', files.write({ ...example, solver: 'flow' })]);
    expect(exact.code, exact.stderr).to.equal(0);
    expect(flow.code, flow.stderr).to.equal(0);
    const a = JSON.parse(exact.stdout) as { lambda: number; product: number[][][]; kernelAlignment: number[]; weightChange?: number[] };
    const b = JSON.parse(flow.stdout) as typeof a;
    // The layers are 0.3× and 0.5× orthogonal matrices: λ = 0.25 − 0.09.
    expect(a.lambda).to.be.closeTo(0.16, 1e-12);
    expect(a).to.not.have.property('weightChange');
    expect(b.weightChange).to.have.length(6);
    // Flow at rtol 1e-10 against the closed form.
    a.product.forEach((m, k) => m.forEach((row, i) => row.forEach((x, j) => expect(x).to.be.closeTo(b.product[k]![i]![j]!, 1e-8))));
    a.kernelAlignment.forEach((x, k) => expect(x).to.be.closeTo(b.kernelAlignment[k]!, 1e-8));
  });

  it('exits 2 naming the field for bad input, and names the condition an exact solve lacks', () => {
    const bad = dln(['twolayer', files.write({ ...example, times: [0, -1] })]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/times\[1\]/);
    const unbalanced = dln(['twolayer', files.write({ ...example, init: { W1: [[0.1, 0, 0], [0, 0.2, 0], [0, 0, 0.3]], W2: [[0.1, 0, 0], [0, 0.1, 0], [0, 0, 0.1]] } })]);
    expect(unbalanced.code).to.equal(2);
    expect(unbalanced.stderr).to.match(/λ-balanced.*use "flow"/);
  });
});
