import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * Starts `dln sweep` (on one worker thread unless `workers` says otherwise), waits until `lines` points are on
 * disk, sends `signal`; resolves with the exit code and the milliseconds from the signal to the exit.
 */
function interruptAfter(
  spec: string,
  out: string,
  lines: number,
  signal: NodeJS.Signals,
  workers = '1',
): Promise<{ code: number | null; stderr: string; afterSignalMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DLN, 'sweep', spec, '--out', out, '--workers', workers, '--no-plots'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sentAt = NaN;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => {
      const path = join(out, 'points.jsonl');
      if (existsSync(path) && readFileSync(path, 'utf8').split('\n').length > lines) {
        clearInterval(timer);
        sentAt = performance.now();
        child.kill(signal);
      }
    }, 20);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stderr, afterSignalMs: performance.now() - sentAt });
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
    expect(engine.stderr).to.match(/^dln: invalid sweep spec .*: engine: got "fast"; allowed: one of "endstate", "reduced", "network", "routing", "twolayer"\n$/);
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

  it('an --out that cannot be written fails at once with exit 2 and says why: empty, under /proc, below a file, points.jsonl a directory', () => {
    const small = specFile({ ...LONG, seeds: 1, axes: { depth: [1, 2], sigma: [0.5] } });
    const run = (out: string): ReturnType<typeof dln> => dln(['sweep', small, '--out', out, '--workers', '0', '--no-plots', '--no-progress']);
    const empty = run('');
    expect(empty.code, empty.stderr).to.equal(2);
    expect(empty.stderr).to.equal('dln: the output directory is an empty path; give one with --out DIR\n');
    // Node's recursive mkdir spins for ever on /proc (ENOENT at every level); the directories are made one level
    // at a time instead. spawnSync's timeout would leave code null if it hung again.
    if (existsSync('/proc/self')) {
      const proc = spawnSync(process.execPath, [DLN, 'sweep', small, '--out', '/proc/out/x', '--workers', '0'], { encoding: 'utf8', timeout: 20000 });
      expect(proc.status, proc.stderr).to.equal(2);
      expect(proc.stderr).to.match(/^dln: cannot create the directory \/proc\/out: ENOENT/);
    }
    const file = specFile({});
    const below = run(join(file, 'out'));
    expect(below.code, below.stderr).to.equal(2);
    expect(below.stderr).to.equal(`dln: cannot use ${join(file, 'out')} as the output directory: ${file} is not a directory\n`);
    const out = join(dir, 'points-dir');
    mkdirSync(join(out, 'points.jsonl'), { recursive: true });
    const pointsDir = run(out);
    expect(pointsDir.code, pointsDir.stderr).to.equal(2);
    expect(pointsDir.stderr).to.equal(`dln: ${join(out, 'points.jsonl')} is a directory, not a file; remove or rename it\n`);
    // dln plot makes its --out the same way.
    const done = join(dir, 'plot-source');
    expect(run(done).code).to.equal(0);
    const plot = dln(['plot', done, '--out', join(file, 'plots')]);
    expect(plot.code, plot.stderr).to.equal(2);
    expect(plot.stderr).to.equal(`dln: cannot use ${join(file, 'plots')} as the output directory: ${file} is not a directory\n`);
  });

  it('merge of a directory whose sweep.json is unreadable or corrupt exits 2, naming the file', () => {
    const asDir = join(dir, 'manifest-dir');
    mkdirSync(join(asDir, 'sweep.json'), { recursive: true });
    const a = dln(['merge', asDir, '--out', join(dir, 'merged-bad'), '--no-plots']);
    expect(a.code, a.stderr).to.equal(2);
    expect(a.stderr).to.equal(`dln: ${join(asDir, 'sweep.json')} is a directory, not a file; remove or rename it\n`);
    const corrupt = join(dir, 'manifest-corrupt');
    mkdirSync(corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'sweep.json'), '{"format": "dln-sweep/1", ');
    const b = dln(['merge', corrupt, '--out', join(dir, 'merged-bad'), '--no-plots']);
    expect(b.code, b.stderr).to.equal(2);
    expect(b.stderr).to.match(/^dln: .*manifest-corrupt\/sweep\.json: not valid JSON \(.*\); the file is corrupt\n$/);
    writeFileSync(join(corrupt, 'sweep.json'), JSON.stringify({ format: 'dln-sweep/1', spec: LONG, shard: { index: 3, count: 2 } }));
    const c = dln(['merge', corrupt, '--out', join(dir, 'merged-bad'), '--no-plots']);
    expect(c.code, c.stderr).to.equal(2);
    expect(c.stderr).to.contain('sweep.json: shard {"index":3,"count":2} is not { index, count } with 1 ≤ index ≤ count');
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

  it('stops a main-thread sweep on SIGTERM within a second, keeps what finished, and the resume ends as a whole run', async () => {
    // 3000 reduced points (≈ 3 s on this thread): the signal lands mid-run. The main thread yields between
    // points, so the handler runs after the point in progress (a few ms each).
    const spec = specFile({ ...LONG, seeds: 30 });
    const out = join(dir, 'main-term');
    const run = await interruptAfter(spec, out, 20, 'SIGTERM', '0');
    expect(run.code, run.stderr).to.equal(130);
    // The promise is 1 s; 1.5 s leaves room for writing results.csv/json and the exit on a loaded machine.
    expect(run.afterSignalMs).to.be.below(1500);
    expect(run.stderr).to.match(/dln: interrupted: \d+ of 3000 points are in .*; rerun the same command to resume/);
    const kept = readPoints(out).size;
    expect(kept).to.be.at.least(20).and.below(3000);
    const resumed = dln(['sweep', spec, '--out', out, '--workers', '0', '--no-plots', '--no-progress']);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stdout).to.contain(`3000 points (${kept} resumed, ${3000 - kept} run`);
    const whole = join(dir, 'main-term-whole');
    await runSweep(parseSweepSpec({ ...LONG, seeds: 30 }), { outDir: whole, workers: 0, plots: false });
    for (const f of ['points.jsonl', 'results.csv']) expect(readFileSync(join(out, f), 'utf8'), f).to.equal(readFileSync(join(whole, f), 'utf8'));
  });

  it('refuses a second run on the same --out while the first is running, naming its pid (exit 2)', async () => {
    // 30 000 points (≈ 30 s on one thread; killed below): with 3000 the first run could end before the second
    // process had started on a fast, idle machine, and the lock was free again.
    const spec = specFile({ ...LONG, seeds: 300 });
    const out = join(dir, 'locked');
    const first = spawn(process.execPath, [DLN, 'sweep', spec, '--out', out, '--workers', '0', '--no-plots'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    try {
      // Wait until the first run is under way (its lock is taken before any point runs).
      for (let i = 0; i < 500 && !existsSync(join(out, 'points.jsonl')); i++) await new Promise((r) => setTimeout(r, 20));
      const second = dln(['sweep', spec, '--out', out, '--workers', '0', '--no-plots']);
      expect(second.code, second.stderr).to.equal(2);
      expect(second.stderr).to.match(new RegExp(`^dln: .*locked is in use by another dln run \\(pid ${first.pid}, since .*\\); wait for it to end, or use another --out\n$`));
    } finally {
      first.kill('SIGTERM');
    }
    expect(await exited).to.equal(130);
  });

  it('merge reports missing points with exit code 1', async () => {
    const out = join(dir, 'half');
    await runSweep(parseSweepSpec(JSON.parse(readFileSync(QUICK, 'utf8'))), { outDir: out, workers: 0, plots: false, shard: { index: 1, count: 2 } });
    const merged = dln(['merge', out, '--out', join(dir, 'merged-half'), '--no-plots']);
    expect(merged.code).to.equal(1);
    expect(merged.stderr).to.contain('48 point(s) missing');
  });
});
