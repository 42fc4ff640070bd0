/** A reader that closes the pipe early (`dln … | head`) ends the command quietly: exit 0, no stack on stderr. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { DLN } from '../helpers/cli.ts';

describe('dln output into a closed pipe', () => {
  it('dln gdln --format csv | head -n 2 exits 0 without an EPIPE stack', function () {
    this.timeout(60000);
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${DLN}" gdln examples/gdln-routing.json --format csv | head -n 2; echo "status \${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
      cwd: new URL('../..', import.meta.url).pathname,
    });
    expect(run.stdout.trim().split('\n')).to.have.length(2);
    expect(run.stderr).to.match(/status 0/);
    expect(run.stderr).not.to.match(/EPIPE|Error/);
  });
});
