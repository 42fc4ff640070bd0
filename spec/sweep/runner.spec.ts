import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeSweeps } from '../../src/sweep/merge.ts';
import { runSweep, type RunOptions } from '../../src/sweep/runner.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { LOCK, readPoints, SweepStateError } from '../../src/sweep/store.ts';

const root = mkdtempSync(join(tmpdir(), 'dln-sweep-'));
let dirCount = 0;
const freshDir = (): string => join(root, `run${dirCount++}`);

/** 24 reduced solves over depth × σ × 3 seeds: about 0.1 s in one thread. */
const spec = parseSweepSpec({
  name: 'runner-test',
  engine: 'reduced',
  seed: 5,
  seeds: 3,
  fixed: { width: 50, target: 3 },
  axes: { depth: [1, 2, 3, 4], sigma: [0.3, 1] },
  measures: ['winnerShare', 'participation', 'learningTime', 'strengths'],
});

const FILES = ['sweep.json', 'points.jsonl', 'results.csv', 'results.json'];
const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');

async function run(options: Partial<RunOptions> = {}): Promise<{ dir: string; summary: Awaited<ReturnType<typeof runSweep>> }> {
  const dir = options.outDir ?? freshDir();
  const summary = await runSweep(spec, { workers: 0, plots: false, ...options, outDir: dir });
  return { dir, summary };
}

describe('sweep runner', () => {
  let whole: string;
  before(async () => {
    whole = (await run()).dir;
  });

  it('finishes every point once and writes tidy rows: one per cell and measure, with seeds counted', async () => {
    const points = read(whole, 'points.jsonl').trim().split('\n').map((l) => JSON.parse(l) as { index: number; status: string });
    expect(points.map((p) => p.index)).to.deep.equal([...Array(24).keys()]);
    expect(points.every((p) => p.status === 'ok')).to.equal(true);
    const csv = read(whole, 'results.csv').trim().split('\n');
    expect(csv[0]).to.equal('depth,sigma,measure,mean,ci_low,ci_high,sd,seeds,failed');
    // 8 cells × (winnerShare, participation, learningTime, strength1, strength2)
    expect(csv.length - 1).to.equal(8 * 5);
    expect(csv[1]).to.match(/^1,0\.3,winnerShare,[0-9.e-]+,[0-9.e-]+,[0-9.e-]+,[0-9.e-]+,3,0$/);
  });

  it('summarises each cell from its own points: mean, sample sd and the t-interval, per measure column', () => {
    type Rec = { cell: number; coords: Record<string, number>; values: Record<string, number> };
    const points = read(whole, 'points.jsonl').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    const rows = (JSON.parse(read(whole, 'results.json')) as { rows: { coords: Record<string, number>; measure: string; mean: number; sd: number; ciLow: number; ciHigh: number; seeds: number }[] }).rows;
    // 3 seeds: t_{0.975,2} = (2p − 1)/√(2p(1 − p)) at p = 0.975 (closed form of Student's t with ν = 2).
    const t2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025);
    let checked = 0;
    for (const row of rows) {
      const vs = points.filter((p) => p.coords['depth'] === row.coords['depth'] && p.coords['sigma'] === row.coords['sigma']).map((p) => p.values[row.measure]!);
      expect(vs, `${row.measure} at ${JSON.stringify(row.coords)}`).to.have.length(3);
      const mean = (vs[0]! + vs[1]! + vs[2]!) / 3;
      const sd = Math.sqrt(vs.reduce((s, v) => s + (v - mean) ** 2, 0) / 2);
      // Same sums in another order: agreement to a few ulps of the values' scale.
      const tol = 1e-12 * Math.max(1, Math.abs(mean));
      expect(row.seeds).to.equal(3);
      expect(row.mean, row.measure).to.be.closeTo(mean, tol);
      expect(row.sd, row.measure).to.be.closeTo(sd, tol);
      // mean ∓ t·sd/√n, held to the measure's range: shares and participation in [0, 1], strengths unbounded.
      const [lo, hi] = row.measure === 'winnerShare' || row.measure === 'participation' ? [0, 1] : [-Infinity, Infinity];
      const half = (t2 * sd) / Math.sqrt(3);
      expect(row.ciLow, row.measure).to.be.closeTo(Math.max(lo, mean - half), tol);
      expect(row.ciHigh, row.measure).to.be.closeTo(Math.min(hi, mean + half), tol);
      checked++;
    }
    expect(checked).to.equal(8 * 5);
  });

  it('draws no plots for a shard (its cells hold only part of the seeds); results say incomplete', async () => {
    const { dir, summary } = await run({ shard: { index: 1, count: 2 }, plots: true });
    expect(summary.complete).to.equal(true);
    expect(summary.results.complete).to.equal(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.png') || f.endsWith('.svg'))).to.deep.equal([]);
  });

  it('gives the same files, row for row, when run as 2 shards and merged', async () => {
    const a = (await run({ shard: { index: 1, count: 2 } })).dir;
    const b = (await run({ shard: { index: 2, count: 2 }, workers: 2 })).dir;
    expect(read(a, 'points.jsonl').trim().split('\n')).to.have.length(12);
    const merged = freshDir();
    const summary = await mergeSweeps([b, a], merged, { plots: false });
    expect(summary.complete).to.equal(true);
    for (const f of FILES) expect(read(merged, f), f).to.equal(read(whole, f));
  });

  it('merge refuses inputs from different sweeps, and points that disagree', async () => {
    const other = parseSweepSpec({ ...JSON.parse(read(whole, 'sweep.json')).spec, seed: 6 });
    const otherDir = freshDir();
    await runSweep(other, { outDir: otherDir, workers: 0, plots: false });
    let caught: unknown;
    await mergeSweeps([whole, otherDir], freshDir(), { plots: false }).catch((err: unknown) => (caught = err));
    expect(caught).to.be.instanceOf(SweepStateError);
    expect((caught as Error).message).to.contain('holds a different sweep');

    const tampered = freshDir();
    await run({ outDir: tampered, shard: { index: 1, count: 2 } });
    const lines = read(tampered, 'points.jsonl').split('\n');
    lines[0] = lines[0]!.replace(/"winnerShare":[0-9.e-]+/, '"winnerShare":0.5');
    writeFileSync(join(tampered, 'points.jsonl'), lines.join('\n'));
    caught = undefined;
    await mergeSweeps([whole, tampered], freshDir(), { plots: false }).catch((err: unknown) => (caught = err));
    expect((caught as Error).message).to.contain('point 0 differs between input directories');
  });

  it('does not depend on the number of worker threads', async () => {
    for (const workers of [1, 2]) {
      const dir = (await run({ workers })).dir;
      for (const f of FILES) expect(read(dir, f), `${f} with ${workers} workers`).to.equal(read(whole, f));
    }
  });

  it('resumes an interrupted run with nothing lost and nothing repeated', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    const first = await run({
      outDir: dir,
      workers: 2,
      signal: controller.signal,
      onPoint: (_, done) => done === 7 && controller.abort(),
    });
    expect(first.summary.interrupted).to.equal(true);
    expect(first.summary.complete).to.equal(false);
    const onDisk = readPoints(dir).size;
    expect(onDisk).to.equal(first.summary.ran).and.be.at.least(7).and.below(24);
    // A run killed mid-write leaves a torn line: it must be dropped, not break the resume — nor the file the
    // resumed run appends to, which a second interruption leaves behind (hence stopping it again).
    appendFileSync(join(dir, 'points.jsonl'), '{"index":23,"cell":7,"repl');
    const again = new AbortController();
    const second = await run({ outDir: dir, workers: 0, signal: again.signal, onPoint: (_, done) => done === 2 && again.abort() });
    expect(second.summary.resumed).to.equal(onDisk);
    expect(second.summary.ran).to.equal(2);
    expect(readPoints(dir).size).to.equal(onDisk + 2);
    const third = await run({ outDir: dir, workers: 2 });
    expect(third.summary.resumed).to.equal(onDisk + 2);
    expect(third.summary.ran).to.equal(24 - onDisk - 2);
    expect(third.summary.complete).to.equal(true);
    for (const f of FILES) expect(read(dir, f), f).to.equal(read(whole, f));
  });

  it('records per-point failures with their message and carries on; a rerun does not repeat them', async () => {
    const failing = parseSweepSpec({ ...JSON.parse(read(whole, 'sweep.json')).spec, solver: { maxSteps: 3 } });
    const dir = freshDir();
    const summary = await runSweep(failing, { outDir: dir, workers: 0, plots: false });
    expect(summary.complete).to.equal(true);
    expect(summary.failed).to.be.greaterThan(0);
    const results = JSON.parse(read(dir, 'results.json')) as { failures: { message: string }[]; pointsFailed: number };
    expect(results.pointsFailed).to.equal(summary.failed);
    expect(results.failures[0]!.message).to.match(/step/i);
    const rerun = await runSweep(failing, { outDir: dir, workers: 0, plots: false });
    expect(rerun.ran).to.equal(0);
    expect(rerun.resumed).to.equal(24);
    // Retrying reruns exactly the failed points (with the same spec they fail again, and supersede the old lines).
    const retry = await runSweep(failing, { outDir: dir, workers: 0, plots: false, retryFailed: true });
    expect(retry.ran).to.equal(summary.failed);
    expect(readPoints(dir).size).to.equal(24);
  });

  it('survives a worker thread that dies: its point is recorded as failed, the rest of its batch still runs', async () => {
    // One worker gets batches of batchSize(24, 1) = 2 points, [8, 9] among them: crashing on 8 leaves 9 in flight.
    process.env['DLN_TEST_CRASH_AT'] = '8';
    try {
      const { dir, summary } = await run({ workers: 1, workerScript: new URL('./fixtures/crash-worker.mjs', import.meta.url) });
      expect(summary.complete).to.equal(true);
      const points = readPoints(dir);
      expect(points.size).to.equal(24);
      expect(points.get(8)!.status).to.equal('failed');
      expect(points.get(8)!.message).to.contain('worker thread died');
      const reference = readPoints(whole);
      for (const [index, record] of points) if (index !== 8) expect(record, `point ${index}`).to.deep.equal(reference.get(index));
    } finally {
      delete process.env['DLN_TEST_CRASH_AT'];
    }
  });

  it('auto mode runs an engine registered with long points (network) on worker threads from the first point', async () => {
    // A network point can take seconds, and a signal waits for the point on the main thread: none runs there.
    const net = parseSweepSpec({
      name: 'net-auto',
      engine: 'network',
      seed: 1,
      seeds: 1,
      fixed: { pathways: 2, target: 3, sigma: 0.5, width: 4 },
      axes: { depth: [2] },
      time: 1,
      measures: ['winnerShare'],
    });
    const summary = await runSweep(net, { outDir: freshDir(), plots: false });
    expect(summary.workers).to.equal(1);
    expect(summary.results.pointsFailed).to.equal(0);
  });

  it('rejects a worker count that is not an integer ≥ 0, naming the option (NaN used to hang the run)', async () => {
    for (const workers of [-1, 1.5, NaN]) {
      let caught: unknown;
      await run({ workers }).catch((err: unknown) => (caught = err));
      expect(caught, String(workers)).to.be.instanceOf(RangeError);
      expect((caught as Error).message).to.match(/^workers: got .*; allowed: an integer ≥ 0/);
    }
  });

  it('checks every points.jsonl record against the sweep: junk, a copy under another index, a negative index are refused with their line, on resume and in merge', async () => {
    const lines = read(whole, 'points.jsonl').split('\n').filter((l) => l !== '');
    const record = JSON.parse(lines[7]!) as Record<string, unknown>;
    const cases: [string, string][] = [
      [JSON.stringify({ index: 5 }), 'point 5 has cell nothing (missing), not 1; the file is corrupt or from another sweep'],
      [JSON.stringify({ ...record, index: 99999 }), 'point index 99999 is outside the sweep (0 … 23); the file is corrupt or from another sweep'],
      [JSON.stringify({ ...record, index: -3 }), 'record without a valid index (got -3); the file is corrupt'],
      [JSON.stringify({ ...record, index: 8 }), 'point 8 has replicate 1, not 2; the file is corrupt or from another sweep'],
      [JSON.stringify({ ...record, seed: 1 }), `point 7 has seed 1, not ${record['seed'] as number}; the file is corrupt or from another sweep`],
      [JSON.stringify({ ...record, values: { ...(record['values'] as object), winnerShare: 'x' } }), 'point 7 has winnerShare = "x", not a finite number or null; the file is corrupt or from another sweep'],
      [JSON.stringify({ ...record, values: { ...(record['values'] as object), winnerShare: 0.1 } }), 'a second, different record for point 7, which had already finished; the file is corrupt'],
    ];
    for (const [line, why] of cases) {
      const dir = freshDir();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'sweep.json'), read(whole, 'sweep.json'));
      writeFileSync(join(dir, 'points.jsonl'), lines.join('\n') + '\n' + line + '\n');
      const where = `${join(dir, 'points.jsonl')}:${lines.length + 1}: `;
      for (const attempt of [() => run({ outDir: dir }), () => mergeSweeps([dir], freshDir(), { plots: false })]) {
        let caught: unknown;
        await attempt().catch((err: unknown) => (caught = err));
        expect(caught, line).to.be.instanceOf(SweepStateError);
        expect((caught as Error).message, line).to.equal(where + why);
      }
    }
    // An identical copy (a line written twice) changes nothing and is accepted.
    const dup = freshDir();
    mkdirSync(dup, { recursive: true });
    writeFileSync(join(dup, 'sweep.json'), read(whole, 'sweep.json'));
    writeFileSync(join(dup, 'points.jsonl'), lines.join('\n') + '\n' + lines[7] + '\n');
    expect((await run({ outDir: dup })).summary.resumed).to.equal(24);
    expect(read(dup, 'results.csv')).to.equal(read(whole, 'results.csv'));
  });

  describe('the lock file', () => {
    /** The pid of a process that has exited (and been reaped): free, until the system hands it out again. */
    const deadPid = (): number => {
      const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      return Number(child.stdout);
    };
    const errorOf = async (promise: Promise<unknown>): Promise<Error> => {
      try {
        await promise;
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected the run to be refused');
    };

    it('refuses a run while a live process holds the directory, naming its pid; nothing is run or written', async () => {
      const dir = freshDir();
      mkdirSync(dir, { recursive: true });
      // This process is alive: as if a second runSweep started on a directory the first one is running.
      writeFileSync(join(dir, LOCK), JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }) + '\n');
      const err = await errorOf(run({ outDir: dir }));
      expect(err).to.be.instanceOf(SweepStateError);
      expect(err.message).to.equal(`${dir} is in use by another dln run (pid ${process.pid}, since 2026-01-01T00:00:00.000Z); wait for it to end, or use another --out`);
      expect(readdirSync(dir)).to.deep.equal([LOCK]);
      // A lock taken on another host cannot be checked from here: refused, naming the file to remove.
      writeFileSync(join(dir, LOCK), JSON.stringify({ pid: 1, host: 'elsewhere.invalid', started: 'then' }) + '\n');
      expect((await errorOf(run({ outDir: dir }))).message).to.equal(
        `${dir} is locked by pid 1 on host elsewhere.invalid (since then); if no run is going on there, remove ${join(dir, LOCK)}`,
      );
    });

    it('takes over a stale lock (its process is gone), says so, runs, and releases the lock at the end', async () => {
      const dir = freshDir();
      mkdirSync(dir, { recursive: true });
      const pid = deadPid();
      writeFileSync(join(dir, LOCK), JSON.stringify({ pid, host: hostname(), started: 'then' }) + '\n');
      const notices: string[] = [];
      const { summary } = await run({ outDir: dir, onNotice: (m) => notices.push(m) });
      expect(notices).to.deep.equal([`${dir} was locked by pid ${pid} (since then), which is gone: taking the lock over`]);
      expect(summary.complete).to.equal(true);
      expect(read(dir, 'points.jsonl')).to.equal(read(whole, 'points.jsonl'));
      expect(existsSync(join(dir, LOCK)), 'released').to.equal(false);
      // A lock file with no owner in it, older than a lock being created: left by a run killed mid-write.
      writeFileSync(join(dir, LOCK), '');
      const old = new Date(Date.now() - 60_000);
      utimesSync(join(dir, LOCK), old, old);
      const again: string[] = [];
      expect((await run({ outDir: dir, onNotice: (m) => again.push(m) })).summary.resumed).to.equal(24);
      expect(again).to.deep.equal([`${join(dir, LOCK)} was unreadable (left by a run killed while taking it); taking it over`]);
      // A fresh empty one may be a run between creating and writing it: refused.
      writeFileSync(join(dir, LOCK), '');
      expect((await errorOf(run({ outDir: dir }))).message).to.match(/is being opened by another dln run/);
    });

    it('is released when the run is refused or fails after taking it', async () => {
      const other = parseSweepSpec({ ...JSON.parse(read(whole, 'sweep.json')).spec, seed: 99 });
      await errorOf(runSweep(other, { outDir: whole, workers: 0, plots: false }));
      expect(existsSync(join(whole, LOCK))).to.equal(false);
    });
  });

  it('refuses to resume a different sweep or shard in the same directory', async () => {
    const other = parseSweepSpec({ ...JSON.parse(read(whole, 'sweep.json')).spec, seed: 6 });
    let caught: unknown;
    try {
      await runSweep(other, { outDir: whole, workers: 0, plots: false });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(SweepStateError);
    expect((caught as Error).message).to.contain('different sweep');
    caught = undefined;
    try {
      await runSweep(spec, { outDir: whole, workers: 0, plots: false, shard: { index: 1, count: 3 } });
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).to.contain('holds whole sweep, not shard 1/3');
  });
});
