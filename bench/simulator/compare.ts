/**
 * A/B timing of the simulator's gradient-descent step: this checkout against another one (e.g. the commit
 * before a change), in one process, in interleaved blocks (A, B, A, B, …), so that load from other processes
 * hits both alike — on a shared machine far steadier than comparing two runs of run.ts. Wall-clock and process
 * CPU time per step (CPU time leaves out the time the process waits for a core). Same problem as run.ts
 * (D = 4, M = 2, K = 8, Gaussian σ = 1, η = 1e-3), default kernels and `kernels: 'js'`.
 *
 *   npx tsx bench/simulator/compare.ts --other /path/to/other/checkout [--widths 256,1000] [--repeats 15]
 *
 * The other checkout needs its own node_modules (npm ci) only for what its src/network imports.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string, fallback?: string): string => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? args[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
};
const other = resolve(option('other'));
const widths = option('widths', '256,1000').split(',').map(Number);
const repeats = Number(option('repeats', '15'));
const D = 4;
const M = 2;
const K = 8;

interface Tree {
  name: string;
  createEngine: (net: unknown, task: unknown, options?: { kernels?: string }) => { step(eta: number): void };
  createNetwork: (task: unknown, arch: unknown, init: unknown) => unknown;
  singularValueTask: (s: number[]) => unknown;
}

async function load(root: string, name: string): Promise<Tree> {
  const url = (p: string): string => pathToFileURL(resolve(root, p)).href;
  const engine = (await import(url('src/network/engine.ts'))) as Pick<Tree, 'createEngine'>;
  const network = (await import(url('src/network/network.ts'))) as Pick<Tree, 'createNetwork'>;
  const task = (await import(url('src/network/task.ts'))) as Pick<Tree, 'singularValueTask'>;
  return { name, createEngine: engine.createEngine, createNetwork: network.createNetwork, singularValueTask: task.singularValueTask };
}

/** One block: wall-clock and process CPU time (user + system, less sensitive to preemption), ms per step. */
function block(tree: Tree, N: number, steps: number, kernels: 'auto' | 'js'): () => [number, number] {
  const singularValues = Array.from({ length: K }, (_, i) => 3 - (2.5 * i) / (K - 1));
  const task = tree.singularValueTask(singularValues);
  const net = tree.createNetwork(task, { depths: new Array<number>(M).fill(D), width: N }, { kind: 'gaussian', sigma: 1, seed: 1 });
  const engine = tree.createEngine(net, task, { kernels });
  for (let s = 0; s < Math.max(2, Math.floor(steps / 5)); s++) engine.step(1e-3);
  return () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) engine.step(1e-3);
    const wall = (performance.now() - t0) / steps;
    const c = process.cpuUsage(c0);
    return [wall, (c.user + c.system) / 1000 / steps];
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const here = resolve(new URL('../..', import.meta.url).pathname);
const trees = [await load(here, 'this checkout'), await load(other, other)];
console.log(`gradient-descent step, D = ${D}, M = ${M}, K = ${K}; ${repeats} interleaved blocks; ms per step, best / median`);
console.log(`A = this checkout (${here}), B = ${other}`);
console.log('N\tkernels\twall A\twall B\twall A/B best (median)\tCPU A\tCPU B\tCPU A/B best (median)');
for (const N of widths) {
  const steps = N >= 1000 ? 10 : 50;
  for (const kernels of ['auto', 'js'] as const) {
    const runs = trees.map((t) => block(t, N, steps, kernels));
    const wall: number[][] = [[], []];
    const cpu: number[][] = [[], []];
    for (let r = 0; r < repeats; r++) {
      // Alternate which goes first, so neither always runs right after the other's cache footprint.
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const [w, c] = runs[i]!();
        wall[i]!.push(w);
        cpu[i]!.push(c);
      }
    }
    const fmt = (xs: number[]): string => `${Math.min(...xs).toFixed(3)} / ${median(xs).toFixed(3)}`;
    const ratio = ([a, b]: number[][]): string => `${(Math.min(...a!) / Math.min(...b!)).toFixed(3)} (${(median(a!) / median(b!)).toFixed(3)})`;
    console.log(`${N}\t${kernels}\t${fmt(wall[0]!)}\t${fmt(wall[1]!)}\t${ratio(wall)}\t${fmt(cpu[0]!)}\t${fmt(cpu[1]!)}\t${ratio(cpu)}`);
  }
}
