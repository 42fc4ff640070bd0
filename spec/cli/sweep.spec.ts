import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DLN, dln, jsonFiles } from '../helpers/cli.ts';
import { runSweep } from '../../src/sweep/runner.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { readPoints } from '../../src/sweep/store.ts';

const files = jsonFiles('dln-cli-sweep-');
const dir = files.dir;
const specFile = files.write;

const QUICK = fileURLToPath(new URL('../../examples/sweep-quick.json', import.meta.url));

/** Enough reduced solves (1000) that a run lasts about a second on one worker: time to interrupt it. */
const LONG = {
  name: 'long',
  engine: 'reduced',
  seed: 3,
  seeds: 10,
  fixed: { width: 100, target: 3 },
  axes: { depth: [1, 2, 3, 4, 5, 6, 8, 10, 12, 16], sigma: { from: 0.1, to: 1, count: 10, scale: 'log' } },
  measures: ['winnerShare'],
};

/** Starts `dln sweep`, waits until `lines` points are on disk, sends `signal`, resolves with the exit code. */
function interruptAfter(spec: string, out: string, lines: number, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DLN, 'sweep', spec, '--out', out, '--workers', '1', '--no-plots'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => {
      const path = join(out, 'points.jsonl');
      if (existsSync(path) && readFileSync(path, 'utf8').split('\n').length > lines) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 20);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stderr });
    });
    child.on('error', reject);
  });
}

describe('dln sweep, merge, plot (CLI)', () => {
  it('runs the quick example: results, plots, and a summary line', () => {
    const out = join(dir, 'quick');
    const run = dln(['sweep', QUICK, '--out', out, '--workers', '1']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^quick: whole sweep, 96 points \(0 resumed, 96 run, 0 failed\)/);
    for (const f of ['results.csv', 'results.json', 'winnerShare-depth-sigma.png', 'winnerShare-depth-sigma.svg']) {
      expect(existsSync(join(out, f)), f).to.equal(true);
    }
    // The plot says what it shows: axis titles and the colour bar's title.
    const svg = readFileSync(join(out, 'winnerShare-depth-sigma.svg'), 'utf8');
    for (const text of ['depth D', 'initial scale σ', 'winner share']) expect(svg).to.contain(text);

    const replot = join(dir, 'replot');
    const plot = dln(['plot', out, '--out', replot]);
    expect(plot.code, plot.stderr).to.equal(0);
    // Re-rendering from results.json gives the same picture (rendering is deterministic).
    expect(readFileSync(join(replot, 'winnerShare-depth-sigma.svg'), 'utf8')).to.equal(svg);
  });

  it('rejects a bad spec with exit code 2, naming the field', () => {
    const run = dln(['sweep', specFile({ ...LONG, axes: { depth: [1, 0] } }), '--out', join(dir, 'bad')]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('axes.depth[1]: got 0; allowed: an integer ≥ 1');
  });

  it('bad input of every kind exits 2 with one line naming what to fix: an unknown engine, a flag, a directory of another sweep, a file that is no results', () => {
    const engine = dln(['sweep', specFile({ ...LONG, engine: 'fast' }), '--out', join(dir, 'bad-engine')]);
    expect(engine.code).to.equal(2);
    expect(engine.stderr).to.match(/^dln: invalid sweep spec .*: engine: got "fast"; allowed: one of "endstate", "reduced", "network", "routing"\n$/);
    const shard = dln(['sweep', QUICK, '--out', join(dir, 'bad-shard'), '--shard', '3/2']);
    expect(shard.code).to.equal(2);
    expect(shard.stderr).to.equal('dln: --shard: got "3/2"; allowed: i/k with 1 ≤ i ≤ k, e.g. 2/8\n');
    const small = specFile({ ...LONG, seeds: 1, axes: { depth: [1, 2], sigma: [0.5] } });
    const out = join(dir, 'taken');
    expect(dln(['sweep', small, '--out', out, '--workers', '0', '--no-plots']).code).to.equal(0);
    const other = dln(['sweep', specFile({ ...LONG, seed: 4, seeds: 1, axes: { depth: [1, 2], sigma: [0.5] } }), '--out', out, '--workers', '0']);
    expect(other.code).to.equal(2);
    expect(other.stderr).to.match(/^dln: .*taken holds a different sweep/);
    expect(other.stderr).to.not.contain('    at ');
    const plot = dln(['plot', small]);
    expect(plot.code).to.equal(2);
    expect(plot.stderr).to.equal(`dln: ${small} is not a dln sweep results file\n`);
  });

  it('resumes after being killed (SIGKILL) and ends with what an uninterrupted run writes', async () => {
    const spec = specFile(LONG);
    const out = join(dir, 'killed');
    const killed = await interruptAfter(spec, out, 30, 'SIGKILL');
    expect(killed.code).to.equal(null); // died by the signal
    const done = readPoints(out).size;
    expect(done).to.be.at.least(30).and.below(1000);
    const parsed = parseSweepSpec(LONG);
    const resumed = await runSweep(parsed, { outDir: out, workers: 0, plots: false });
    expect(resumed.resumed).to.equal(done);
    expect(resumed.ran).to.equal(1000 - done);
    const whole = join(dir, 'whole');
    await runSweep(parsed, { outDir: whole, workers: 0, plots: false });
    for (const f of ['points.jsonl', 'results.csv']) {
      const got = readFileSync(join(out, f), 'utf8').split('\n');
      const want = readFileSync(join(whole, f), 'utf8').split('\n');
      const first = got.findIndex((line, i) => line !== want[i]);
      expect(first, `${f} line ${first + 1}: ${got[first]} ≠ ${want[first]}`).to.equal(-1);
      expect(got.length).to.equal(want.length);
    }
  });

  it('stops on Ctrl-C (SIGINT) with exit code 130 and says how to resume', async () => {
    const out = join(dir, 'interrupted');
    const run = await interruptAfter(specFile(LONG), out, 10, 'SIGINT');
    expect(run.code).to.equal(130);
    expect(run.stderr).to.contain('rerun the same command to resume');
    expect(readPoints(out).size).to.be.at.least(10);
  });

  it('merge reports missing points with exit code 1', async () => {
    const out = join(dir, 'half');
    await runSweep(parseSweepSpec(JSON.parse(readFileSync(QUICK, 'utf8'))), { outDir: out, workers: 0, plots: false, shard: { index: 1, count: 2 } });
    const merged = dln(['merge', out, '--out', join(dir, 'merged-half'), '--no-plots']);
    expect(merged.code).to.equal(1);
    expect(merged.stderr).to.contain('48 point(s) missing');
  });
});
