import { expect } from 'chai';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { parseFraction } from '../../src/cli/commands/solve.ts';
import { CliError, EXIT, reportError, reportStatus } from '../../src/cli/errors.ts';
import { SweepStateError, parseShard } from '../../src/sweep/store.ts';
import { ComputationError, ValidationError } from '../../src/util/errors.ts';
import { dln } from '../helpers/cli.ts';

/** What reportError writes to stderr, and the exit code it returns. */
function reported(err: unknown, command = 'solve', input = 'problem p.json'): { code: number; stderr: string } {
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: reportError(err, { command, input }), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('dln error reporting: one family, one exit code per kind', () => {
  it('bad input (a ValidationError) exits 2 and names the input, the field, the value and what is allowed', () => {
    expect(reported(new ValidationError('depths[1]', 0, 'an integer ≥ 1'))).to.deep.equal({
      code: 2,
      stderr: 'dln: invalid problem p.json: depths[1]: got 0; allowed: an integer ≥ 1\n',
    });
  });

  it('a flag error is a ValidationError whose field is the flag, reported as it stands', () => {
    let caught: unknown;
    try {
      parseFraction('x');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ValidationError);
    expect(caught).to.include({ field: '--learning-fraction', value: 'x', allowed: 'a number in (0, 1], e.g. 0.5' });
    expect(reported(caught)).to.deep.equal({ code: 2, stderr: 'dln: --learning-fraction: got "x"; allowed: a number in (0, 1], e.g. 0.5\n' });
    expect(() => parseShard('3/2')).to.throw(ValidationError).with.property('field', '--shard');
  });

  it('CliError and SweepStateError are ValidationErrors (exit 2) whose messages stand alone', () => {
    const cli = new CliError('cannot read p.json: ENOENT', 'p.json', 'p.json', 'a readable file');
    expect(cli).to.be.instanceOf(ValidationError).and.to.be.instanceOf(RangeError);
    expect(reported(cli)).to.deep.equal({ code: 2, stderr: 'dln: cannot read p.json: ENOENT\n' });
    const state = new SweepStateError('out/a holds a different sweep');
    expect(state).to.be.instanceOf(ValidationError);
    expect(reported(state, 'sweep', 'sweep spec s.json')).to.deep.equal({ code: 2, stderr: 'dln: out/a holds a different sweep\n' });
  });

  it('a failed computation (a ComputationError) exits 1 and says which command failed', () => {
    expect(reported(new ComputationError('overflows double precision', 'pathway 0'), 'endstate')).to.deep.equal({
      code: 1,
      stderr: 'dln: endstate failed: pathway 0: overflows double precision\n',
    });
    const write = process.stderr.write;
    let stderr = '';
    process.stderr.write = ((chunk: string | Uint8Array): boolean => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(reportStatus({ status: 'ok' }, { command: 'simulate', input: 'x' })).to.equal(EXIT.ok);
      expect(reportStatus({ status: 'failed', message: 'step budget' }, { command: 'simulate', input: 'x' })).to.equal(EXIT.failed);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr).to.equal('dln: simulate failed: step budget\n');
  });

  it('anything else is an internal error: exit 70 with the stack', () => {
    const { code, stderr } = reported(new TypeError('x is undefined'));
    expect(code).to.equal(70);
    expect(stderr).to.match(/^dln: internal error: TypeError: x is undefined\n {4}at /);
    // A plain RangeError is not bad input: only the family's errors are.
    expect(reported(new RangeError('oops')).code).to.equal(70);
  });
});

describe('dln subcommands', () => {
  it('are one module each, listed once, and all reachable from the command line', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(names).to.deep.equal(['solve', 'sweep', 'merge', 'plot', 'simulate', 'endstate', 'gdln', 'twolayer', 'meanfield']);
    const help = dln(['--help']);
    expect(help.code).to.equal(0);
    for (const name of names) expect(help.stdout).to.match(new RegExp(`^  ${name} `, 'm'));
  });
});
