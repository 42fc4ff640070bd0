import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeSweeps } from '../../src/sweep/merge.ts';
import { runSweep, type RunOptions } from '../../src/sweep/runner.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { readPoints, SweepStateError } from '../../src/sweep/store.ts';

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
      expect(row.ciHigh - row.ciLow, row.measure).to.be.closeTo((2 * t2 * sd) / Math.sqrt(3), tol);
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

  it('rejects a worker count that is not an integer ≥ 0, naming the option (NaN used to hang the run)', async () => {
    for (const workers of [-1, 1.5, NaN]) {
      let caught: unknown;
      await run({ workers }).catch((err: unknown) => (caught = err));
      expect(caught, String(workers)).to.be.instanceOf(RangeError);
      expect((caught as Error).message).to.match(/^workers: got .*; allowed: an integer ≥ 0/);
    }
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
