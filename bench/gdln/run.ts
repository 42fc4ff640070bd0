/**
 * Time per gradient-descent step of the full gated network on the routing task (7 encoders 4 → H, one shared
 * H → H, 7 decoders H → 7, 28 trained pairs of 4 items) at hidden width H ∈ {64, 512}, beside
 * bench/gdln/numpy_peer.py running the authors' per-pair loop with one BLAS thread, when /usr/bin/python3 has
 * numpy. Target (issue 14): ≤ 1.5× numpy per step at H = 512. Blocks are interleaved so load from other
 * processes hits both alike; best / median of the blocks are printed.
 *
 *   npx tsx bench/gdln/run.ts [--widths 64,512] [--repeats 5]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseGatedProblem } from '../../src/gated/problem.ts';
import { GatedEngine } from '../../src/gated/engine.ts';
import { initialWeights } from '../../src/gated/solve.ts';
import { routingProblem } from '../../src/gated/routing.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const widths = option('widths', '64,512').split(',').map(Number);
const repeats = Number(option('repeats', '5'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One block of `steps` GD steps of the gated network (the loop solveGated runs, without records). */
function gatedBlock(H: number, steps: number, kernels: 'auto' | 'js'): () => number {
  const problem = parseGatedProblem(routingProblem({ hidden: H, init: { orthogonal: { gain: 0.5, seed: 1 } } }));
  const engine = new GatedEngine(problem.graph, problem.contexts, kernels);
  initialWeights(problem).forEach((w, i) => engine.weights[i]!.set(w.data));
  const { state, gradState } = engine;
  const step = (): void => {
    engine.lossAndGradient();
    for (let i = 0; i < state.length; i++) state[i] -= 1e-3 * gradState[i]!;
  };
  for (let s = 0; s < Math.max(2, steps / 5); s++) step();
  return () => {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) step();
    return (performance.now() - t0) / steps;
  };
}

function numpyBlock(H: number, steps: number): number | null {
  const script = fileURLToPath(new URL('./numpy_peer.py', import.meta.url));
  const run = spawnSync('/usr/bin/python3', [script, String(H), String(steps), '1'], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (run.status !== 0) return null;
  return (JSON.parse(run.stdout) as { msPerStep: number }).msPerStep;
}

console.log(`gated network, routing task, full-batch GD; ${repeats} interleaved blocks each, ms per step as best / median`);
console.log('(dln-dynamics: WebAssembly SIMD kernels, the default; js: the generated JavaScript kernels, the fallback)');
console.log('H\tdln-dynamics\tjs\tnumpy (per-pair loop)\tratio best (median)\tratio js');
for (const H of widths) {
  const steps = H >= 512 ? 20 : 100;
  const ours = gatedBlock(H, steps, 'auto');
  const js = gatedBlock(H, steps, 'js');
  const t = { ours: [] as number[], js: [] as number[], numpy: [] as number[] };
  let hasNumpy = true;
  for (let r = 0; r < repeats; r++) {
    t.ours.push(ours());
    t.js.push(js());
    const peer = hasNumpy ? numpyBlock(H, steps) : null;
    if (peer === null) hasNumpy = false;
    else t.numpy.push(peer);
  }
  const best = (xs: number[]): number => Math.min(...xs);
  const fmt = (xs: number[]): string => `${best(xs).toFixed(3)} / ${median(xs).toFixed(3)}`;
  const ratio = (xs: number[]): string => (hasNumpy ? `${(best(xs) / best(t.numpy)).toFixed(2)} (${(median(xs) / median(t.numpy)).toFixed(2)})` : 'n/a');
  console.log(`${H}\t${fmt(t.ours)}\t${fmt(t.js)}\t${hasNumpy ? fmt(t.numpy) : 'n/a (no numpy)'}\t${ratio(t.ours)}\t${ratio(t.js)}`);
}
