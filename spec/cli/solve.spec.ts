import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dln, jsonFiles } from '../helpers/cli.ts';
import { saxeTime } from '../../src/exact/saxe.ts';

const files = jsonFiles('dln-cli-');
const dir = files.dir;
const problemFile = files.write;

const problem = {
  singularValues: [2, 1],
  depths: [1, 2],
  init: { q: [[0, 0], [0.5, 0.5]], p: [[0.1, 0], [0.2, 0.1]] },
  times: [0, 1, 3],
};

describe('dln solve (CLI)', () => {
  it('prints the result JSON of the contract on stdout', () => {
    const run = dln(['solve', problemFile(problem)]);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(result)).to.have.members(['status', 'times', 'strengths', 'loss', 'stats']);
    expect(result['status']).to.equal('ok');
    expect(result['times']).to.deep.equal([0, 1, 3]);
    // Initial strengths are the initial products: depth 1 → p, depth 2 → p·q.
    expect((result['strengths'] as number[][][])[0]).to.deep.equal([[0.1, 0], [0.2 * 0.5, 0.1 * 0.5]]);
  });

  it('--format csv prints a tidy table with one row per time, pathway and mode', () => {
    const run = dln(['solve', problemFile(problem), '--format', 'csv']);
    expect(run.code, run.stderr).to.equal(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).to.equal('t,pathway,mode,strength');
    expect(lines).to.have.length(1 + 3 * 2 * 2);
    expect(lines[1]).to.equal('0,0,0,0.1');
  });

  it('reads the problem from stdin with -', () => {
    const run = dln(['solve', '-'], JSON.stringify(problem));
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout).status).to.equal('ok');
  });

  it('invalid problems: message naming the field on stderr, nothing on stdout, exit code 2', () => {
    const run = dln(['solve', problemFile({ ...problem, depths: [1, 0] })]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('depths[1]: got 0; allowed: an integer ≥ 1');
  });

  it('missing file and malformed JSON are reported without a stack trace', () => {
    const missing = dln(['solve', join(dir, 'nope.json')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/cannot read .*nope\.json/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "singularValues": [1,');
    const malformed = dln(['solve', bad]);
    expect(malformed.code).to.equal(2);
    expect(malformed.stderr).to.contain('is not valid JSON');
    expect(malformed.stderr).to.not.contain('    at ');
  });

  it('a failed solve prints the partial result, says why on stderr and exits 1', () => {
    const run = dln(['solve', problemFile({ ...problem, solver: { maxSteps: 3 } })]);
    expect(run.code).to.equal(1);
    expect(JSON.parse(run.stdout).status).to.equal('failed');
    expect(run.stderr).to.match(/solve failed: mode 0/);
  });

  it('--learning-fraction adds learning times that match Saxe\'s closed form', () => {
    // One balanced depth-2 pathway: K(t) is Saxe's sigmoid, so the time to reach S/2 is known exactly.
    const S = 3;
    const K0 = 1e-3;
    const file = problemFile({
      singularValues: [S], depths: [2], init: { q: [[Math.sqrt(K0)]], p: [[Math.sqrt(K0)]] },
      times: [0, 10], solver: { rtol: 1e-10, atol: 1e-12 },
    });
    const run = dln(['solve', file, '--learning-fraction', '0.5']);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { learningTimes: number[] };
    // The event is located on the dense output of a solve at rtol 1e-10; 1e-7 leaves room for the
    // interpolant's error at the crossing and for the sigmoid's steepness (dK/dt = 2K(S − K) ≤ S²/2).
    expect(result.learningTimes[0]).to.be.closeTo(saxeTime({ singularValue: S, initialStrength: K0 }, S / 2), 1e-7);
  });

  it('--learning-fraction outside (0, 1] is a usage error naming the option', () => {
    for (const bad of ['0', '1.5', 'half', '']) {
      const run = dln(['solve', problemFile(problem), '--learning-fraction', bad]);
      expect(run.code).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.contain('--learning-fraction');
      expect(run.stderr).to.equal(`dln: --learning-fraction: got ${JSON.stringify(bad)}; allowed: a number in (0, 1], e.g. 0.5\n`);
    }
  });

  it('an unknown option or format is a usage error', () => {
    expect(dln(['solve', problemFile(problem), '--format', 'xml']).code).to.equal(2);
    expect(dln(['frobnicate']).code).to.equal(2);
  });
});
