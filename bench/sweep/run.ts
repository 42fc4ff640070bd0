/**
 * Sweep throughput: points per second for each engine on the main thread, 1 and 2 worker threads.
 *
 *   npx tsx bench/sweep/run.ts [--engines reduced,endstate,network] [--repeats 2] [--out out/bench/sweep.json]
 *
 * Each (engine, workers) runs the same sweep into a fresh temporary directory (no plots, no progress), timed
 * from the call to the end of results.json; the best of --repeats is reported. "start-up" is the wall time of
 * a 1-point sweep on 1 worker minus that on the main thread: the cost of starting a worker (loading tsx and the
 * engine), which batching amortises. Timings depend on the machine and its load: compare rows of one run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { engineAvailable } from '../../src/sweep/engines.ts';
import { runSweep } from '../../src/sweep/runner.ts';
import { ENGINES, parseSweepSpec, type EngineName, type SweepSpec } from '../../src/sweep/spec.ts';

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: ENGINES.join(',') },
    repeats: { type: 'string', default: '2' },
    out: { type: 'string', default: 'out/bench/sweep.json' },
  },
});

/** The demo's figure (a) grid (12 depths × 6 σ) with 64 seeds a cell, 4608 points; 12 points for the full network. */
function benchSpec(engine: EngineName): SweepSpec {
  const network = engine === 'network';
  return parseSweepSpec({
    name: `bench-${engine}`,
    engine,
    seed: 1,
    seeds: network ? 2 : 64,
    fixed: { pathways: 2, width: network ? 32 : 100, target: 3 },
    axes: network
      ? { depth: [1, 2, 3], sigma: [0.5, 1] }
      : { depth: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], sigma: { from: 0.1, to: 1.25, count: 6, scale: 'log' } },
    measures: ['winnerShare'],
    ...(network ? { time: 50 } : {}),
  });
}

const root = mkdtempSync(join(tmpdir(), 'dln-bench-sweep-'));
let runs = 0;
async function timed(spec: SweepSpec, workers: number): Promise<{ ms: number; points: number; failed: number }> {
  const dir = join(root, `r${runs++}`);
  const t0 = performance.now();
  const s = await runSweep(spec, { outDir: dir, workers, plots: false, progress: 'off' });
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return { ms, points: s.total, failed: s.failed };
}

const repeats = Number(values.repeats);
const rows: Record<string, unknown>[] = [];
console.log(`sweep throughput — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, best of ${repeats}`);
console.log('engine    points  workers   wall s   points/s   failed');
for (const engine of values.engines!.split(',') as EngineName[]) {
  if (!(await engineAvailable(engine))) {
    console.log(`${engine.padEnd(9)} (not available in this checkout)`);
    continue;
  }
  const spec = benchSpec(engine);
  for (const workers of [0, 1, 2]) {
    let best = { ms: Infinity, points: 0, failed: 0 };
    for (let r = 0; r < repeats; r++) {
      const t = await timed(spec, workers);
      if (t.ms < best.ms) best = t;
    }
    const rate = best.points / (best.ms / 1000);
    rows.push({ engine, points: best.points, workers, seconds: best.ms / 1000, pointsPerSecond: rate, failed: best.failed });
    console.log(
      `${engine.padEnd(9)} ${String(best.points).padStart(6)}  ${(workers === 0 ? 'main' : String(workers)).padStart(7)}  ${(best.ms / 1000).toFixed(2).padStart(7)}  ${rate.toFixed(0).padStart(9)}  ${String(best.failed).padStart(7)}`,
    );
  }
  const one = parseSweepSpec({ ...JSON.parse(JSON.stringify({ engine, fixed: { sigma: 0.5, width: 32, target: 3 }, axes: { depth: [3] }, ...(engine === 'network' ? { time: 50 } : {}) })) });
  const startup = (await timed(one, 1)).ms - (await timed(one, 0)).ms;
  rows.push({ engine, workerStartupSeconds: startup / 1000 });
  console.log(`${engine.padEnd(9)} worker start-up ≈ ${(startup / 1000).toFixed(2)} s`);
}
rmSync(root, { recursive: true, force: true });
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, JSON.stringify({ cores: cpus().length, node: process.version, rows }, null, 2) + '\n');
console.log(`wrote ${values.out}`);
