/**
 * Every file in examples/ works with the command the README runs it with (sweeps: validated by
 * parseSweepSpec, the quick one run in spec/cli/sweep.spec.ts), and `dln --version` prints package.json's.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dln } from '../helpers/cli.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';

const DIR = new URL('../../examples/', import.meta.url);

describe('examples/', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('holds an example for each command the README shows', () => {
    for (const prefix of ['two-pathways', 'simulate-', 'sweep-', 'gdln-']) expect(files.some((f) => f.startsWith(prefix)), prefix).to.equal(true);
  });

  for (const file of files) {
    const path = new URL(file, DIR).pathname;
    if (file.startsWith('sweep-')) {
      it(`${file} is a valid sweep spec`, () => {
        expect(() => parseSweepSpec(JSON.parse(readFileSync(path, 'utf8')))).not.to.throw();
      });
      continue;
    }
    // examples/<command>-*.json runs with that command; the rest are reduced problems for `dln solve`.
    const command = ['simulate', 'gdln', 'twolayer', 'meanfield'].find((c) => file.startsWith(`${c}-`)) ?? 'solve';
    it(`dln ${command} examples/${file} exits 0 with status "ok"`, function () {
      this.timeout(120000);
      const run = dln([command, path]);
      expect(run.code, run.stderr).to.equal(0);
      expect((JSON.parse(run.stdout) as { status: string }).status).to.equal('ok');
    });
  }

  it('dln --version prints the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const run = dln(['--version']);
    expect(run.code).to.equal(0);
    expect(run.stdout.trim()).to.equal(pkg.version);
  });
});
