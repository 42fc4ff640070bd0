/**
 * Time per gradient-descent step of the full simulator (thin products, O(D N² K) per step) at
 * N ∈ {256, 1000}, D = 4, M = 2, K = 8, beside bench/simulator/numpy_peer.py running the same algorithm,
 * when /usr/bin/python3 has numpy (one BLAS thread, like this single-threaded simulator).
 * Target (issue 4): ≤ 1.5× numpy's time per step. Timings on a shared machine are noisy: compare the columns
 * of one run, not runs with each other.
 *
 *   npx tsx bench/simulator/run.ts [--widths 256,1000] [--repeats 7]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src/network/engine.ts';
import { createNetwork } from '../../src/network/network.ts';
import { singularValueTask } from '../../src/network/task.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const widths = option('widths', '256,1000').split(',').map(Number);
const repeats = Number(option('repeats', '7'));
const D = 4;
const M = 2;
const K = 8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A ready engine at width N; each call of the returned function times one block of `steps` steps (ms/step). */
function simulatorBlock(N: number, steps: number, kernels: 'auto' | 'js'): () => number {
  const singularValues = Array.from({ length: K }, (_, i) => 3 - (2.5 * i) / (K - 1));
  const task = singularValueTask(singularValues);
  const net = createNetwork(task, { depths: new Array<number>(M).fill(D), width: N }, { kind: 'gaussian', sigma: 1, seed: 1 });
  const engine = createEngine(net, task, { kernels });
  const eta = 1e-3;
  for (let s = 0; s < Math.max(2, Math.floor(steps / 5)); s++) engine.step(eta);
  return () => {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) engine.step(eta);
    return (performance.now() - t0) / steps;
  };
}

/** One numpy process timing one block (after its own warm-up), or null without numpy. */
function numpyBlock(N: number, steps: number): number | null {
  const script = fileURLToPath(new URL('./numpy_peer.py', import.meta.url));
  const run = spawnSync('/usr/bin/python3', [script, String(N), String(D), String(M), String(K), String(steps), '1'], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (run.status !== 0) return null;
  return (JSON.parse(run.stdout) as { msPerStep: number }).msPerStep;
}

// The three are timed in interleaved blocks (simulator, js, numpy, simulator, …) so that load from other
// processes hits all of them alike; best-of-blocks is reported beside the median.
console.log(`full simulator, gradient descent: D = ${D}, M = ${M}, K = ${K}; ${repeats} interleaved blocks each, ms per step as best / median`);
console.log('(simulator: WebAssembly SIMD kernels, the default; js: the generated JavaScript kernels, the fallback)');
console.log('N\tsimulator\tjs\tnumpy\tratio best (median)\tratio js best (median)');
for (const N of widths) {
  const steps = N >= 1000 ? 10 : 50;
  const ours = simulatorBlock(N, steps, 'auto');
  const js = simulatorBlock(N, steps, 'js');
  const t = { ours: [] as number[], js: [] as number[], numpy: [] as number[] };
  let hasNumpy = true;
  for (let r = 0; r < repeats; r++) {
    t.ours.push(ours());
    t.js.push(js());
    const peer = hasNumpy ? numpyBlock(N, steps) : null;
    if (peer === null) hasNumpy = false;
    else t.numpy.push(peer);
  }
  const best = (xs: number[]): number => Math.min(...xs);
  const fmt = (xs: number[]): string => `${best(xs).toFixed(3)} / ${median(xs).toFixed(3)}`;
  const ratio = (xs: number[]): string =>
    hasNumpy ? `${(best(xs) / best(t.numpy)).toFixed(2)} (${(median(xs) / median(t.numpy)).toFixed(2)})` : 'n/a';
  console.log(`${N}\t${fmt(t.ours)}\t${fmt(t.js)}\t${hasNumpy ? fmt(t.numpy) : 'n/a (no numpy)'}\t${ratio(t.ours)}\t${ratio(t.js)}`);
}
