/** The `routing` sweep engine: a generalisation-vs-σ0 phase diagram through the sweep's registries. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dln, jsonFiles } from '../helpers/cli.ts';

describe('sweep engine "routing" (gated networks)', () => {
  const files = jsonFiles('dln-routing-sweep-');
  const spec = {
    name: 'routing-test',
    engine: 'routing',
    seed: 1,
    seeds: 2,
    axes: { sigma: [0.5, 2.5] },
    routing: { epochs: 300, hidden: 16 },
    measures: ['untrainedError', 'trainedError', 'sharedFraction', 'authorsLoss'],
  };

  it('records each measure per cell: lazier and worse zero-shot at a larger initial gain', function () {
    this.timeout(120000);
    const out = join(files.dir, 'out');
    const run = dln(['sweep', files.write(spec), '--out', out, '--workers', '1', '--no-progress']);
    expect(run.code, run.stderr).to.equal(0);
    const rows = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const get = (sigma: number, measure: string) => rows.find((r) => Number(r[0]) === sigma && r[1] === measure)!;
    // Larger initial gain: lazier (less of the shared matrix in the task's 4 modes) and worse zero-shot.
    expect(Number(get(2.5, 'untrainedError')[2])).to.be.above(Number(get(0.5, 'untrainedError')[2]));
    expect(Number(get(2.5, 'sharedFraction')[2])).to.be.below(Number(get(0.5, 'sharedFraction')[2]));
    expect(rows.filter((r) => r[7] !== '0')).to.deep.equal([]);
  });

  it('refuses pathway measures and unknown options, naming them', () => {
    const bad = dln(['sweep', files.write({ ...spec, measures: ['winnerShare'] }), '--out', join(files.dir, 'bad1')]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/measures: got "winnerShare"; allowed: a measure of engine "routing"/);
    const bad2 = dln(['sweep', files.write({ ...spec, routing: { epochz: 3 } }), '--out', join(files.dir, 'bad2')]);
    expect(bad2.code).to.equal(2);
    expect(bad2.stderr).to.match(/routing\.epochz/);
    // The routing task has no pathway depths: a depth is refused rather than silently ignored.
    const bad3 = dln(['sweep', files.write({ ...spec, fixed: { depth: 3 } }), '--out', join(files.dir, 'bad3')]);
    expect(bad3.code).to.equal(2);
    expect(bad3.stderr).to.match(/fixed\.depth: .*engine "routing"/);
  });
});
