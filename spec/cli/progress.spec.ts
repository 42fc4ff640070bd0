/** Progress lines (src/cli/progress.ts) and `dln simulate --progress`: stderr only, throttled, stdout unchanged. */
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { progressLines } from '../../src/cli/progress.ts';
import { simulate } from '../../src/network/index.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { DLN, dln, jsonFiles } from '../helpers/cli.ts';

const SEED = 20261204;
const files = jsonFiles('dln-progress-');

/** A reporter on a fake clock, recording the time of each line it writes. */
function fakeClock(): { at: (ms: number) => void; lines: number[]; progress: ReturnType<typeof progressLines> } {
  let now = 0;
  const lines: number[] = [];
  const progress = progressLines({ now: () => now, write: () => lines.push(now) });
  return { at: (ms) => (now = ms), lines, progress };
}

describe('progress lines (src/cli/progress.ts)', () => {
  it('quiet for the first second, then at most one line per 0.5 s, with the elapsed seconds', () => {
    const written: string[] = [];
    let now = 0;
    const progress = progressLines({ now: () => now, write: (line) => written.push(line) });
    for (now = 0; now <= 2000; now += 100) progress.update((s) => `at ${s}\n`);
    expect(written).to.deep.equal(['at 1\n', 'at 1.5\n', 'at 2\n']);
  });

  it('a last line when a run longer than the quiet second ends, however recent the last update', () => {
    const c = fakeClock();
    c.at(1200);
    c.progress.update(() => 'update\n');
    c.at(1300);
    c.progress.finish(() => 'done\n');
    c.at(1400);
    c.progress.finish(() => 'done\n');
    c.progress.update(() => 'late\n');
    // One update, one final line; nothing after the end.
    expect(c.lines).to.deep.equal([1200, 1300]);
  });

  it('no line at all for a run that ends within the quiet second', () => {
    const c = fakeClock();
    for (const t of [0, 300, 999]) {
      c.at(t);
      c.progress.update(() => 'x\n');
    }
    c.progress.finish(() => 'x\n');
    expect(c.lines).to.deep.equal([]);
  });

  it('whatever the update times: update lines after 1 s and ≥ 0.5 s apart (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 200 }), (gaps) => {
        const c = fakeClock();
        let t = 0;
        for (const gap of gaps) {
          c.at((t += gap));
          c.progress.update(() => 'x\n');
        }
        expect(c.lines.every((x) => x >= 1000)).to.equal(true);
        for (let i = 1; i < c.lines.length; i++) expect(c.lines[i]! - c.lines[i - 1]!).to.be.at.least(500);
        // Not silent either: a line whenever an update comes ≥ 0.5 s after the last line (and after 1 s).
        expect(c.lines.length).to.be.at.least(Math.floor((t - 1000) / 700));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('simulate options.onRecord', () => {
  const spec = {
    task: { singularValues: [2, 1] },
    depths: [2, 1],
    width: 4,
    init: { kind: 'gaussian', sigma: 0.5, seed: 1 },
    train: { method: 'gd', learningRate: 0.1, steps: 5, recordEvery: 2 },
  };

  it('is called once per record with (records so far, its time, records in all), for GD and flow', () => {
    for (const train of [spec.train, { method: 'flow', times: [0, 0.5, 1, 2] }, { method: 'flow', times: [0] }]) {
      const calls: [number, number, number][] = [];
      const result = simulate({ ...spec, train }, { onRecord: (recorded, time, total) => calls.push([recorded, time, total]) });
      const T = result.times.length;
      expect(calls).to.deep.equal(result.times.map((t, i) => [i + 1, t, T]));
    }
  });

  it('a non-function is a ValidationError naming options.onRecord', () => {
    expect(() => simulate(spec, { onRecord: 'yes' } as unknown as Parameters<typeof simulate>[1]))
      .to.throw(ValidationError)
      .with.property('field', 'options.onRecord');
  });
});

describe('dln simulate --progress', () => {
  // About 2–3 s of training on this machine (well past the quiet second), 601 records.
  const slow = {
    task: { singularValues: [3, 2, 1] },
    depths: [3, 3],
    width: 256,
    init: { kind: 'gaussian', sigma: 0.5, seed: 1 },
    train: { method: 'gd', learningRate: 0.01, steps: 6000, recordEvery: 10 },
  };

  it('prints throttled progress lines on stderr only; without the flag (stderr not a terminal) none; stdout unchanged', function () {
    this.timeout(120000);
    const file = files.write(slow);
    const started = Date.now();
    const withProgress = dln(['simulate', file, '--progress']);
    const seconds = (Date.now() - started) / 1000;
    expect(withProgress.code, withProgress.stderr).to.equal(0);
    const lines = withProgress.stderr.trim().split('\n');
    for (const line of lines) expect(line).to.match(/^dln simulate: record \d+\/601, t = [\d.e+-]+ \(\d+\.\d s\)$/);
    expect(lines[lines.length - 1]).to.match(/^dln simulate: record 601\/601, t = 60 /);
    // At most twice a second over the run, plus the final line.
    expect(lines.length).to.be.at.most(2 * seconds + 1);

    const without = dln(['simulate', file]);
    expect(without.code, without.stderr).to.equal(0);
    expect(without.stderr).to.equal('');
    expect(withProgress.stdout).to.equal(without.stdout);
    expect(without.stdout).to.equal(JSON.stringify(simulate(slow)) + '\n');
  });

  it('on a terminal: progress lines without the flag, none with --no-progress', function () {
    // util-linux `script` gives the command a pseudo-terminal; stdout goes to /dev/null, stderr to the terminal.
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    this.timeout(120000);
    const file = files.write(slow);
    const onTerminal = (flags: string): string =>
      spawnSync('script', ['-qec', `"${process.execPath}" "${DLN}" simulate "${file}" ${flags} 2>&1 >/dev/null`, '/dev/null'], {
        encoding: 'utf8',
      }).stdout;
    expect(onTerminal('')).to.match(/dln simulate: record 601\/601, t = 60 /);
    expect(onTerminal('--no-progress')).not.to.match(/dln simulate/);
  });
});
