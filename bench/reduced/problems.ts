/**
 * The fixed, seeded sets of reduced-model problems the benchmark solves (bench/README.md).
 *
 * Ranges: M = 1–3 pathways of depth 1–6, K = 1–4 modes, S_α ∈ [0.5, 5], λ_α ∈ [0.5, 2], τ ∈ {0.5, 1, 2},
 * t_end ∈ [20, 200] with 41 equally spaced output times, and
 * - `balanced` (makeProblems): the (q, p) form with a small read-out layer, q0 ∈ [0.5, 1], p0 = ±[0.001, 0.05]
 *   with a random sign;
 * - `perLayer` (makeLayerProblems): unbalanced layers, posed per layer: σ ∈ [0.05, 0.6] per problem, every
 *   layer w_d = σ(1 + 0.3ξ) and the read-out (last) layer 0.05σξ, ξ standard normal (a depth-1 pathway is its
 *   read-out layer).
 *
 * Run as a script to write the problems as JSON (the Python peer reads exactly these numbers):
 *   npx tsx bench/reduced/problems.ts [out/bench/reduced-problems.json] [out/bench/reduced-layer-problems.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReducedProblem } from '../../src/reduced/types.ts';
import { createRandom, type Random } from '../../src/util/random.ts';

export const DEFAULT_SEED = 20_220_601;
/** The per-layer set's seed. */
export const DEFAULT_LAYER_SEED = 20_261_218;
export const DEFAULT_COUNT = 40;
export const OUTPUT_TIMES = 41;

/** A benchmark problem: the solver spec is left out (each method adds its own). */
export interface BenchProblem {
  readonly id: number;
  readonly singularValues: number[];
  readonly inputVariances: number[];
  readonly depths: number[];
  readonly tau: number;
  /** (q, p) in the balanced set; layers[a][d][α] in the per-layer set. */
  readonly init: { readonly q: number[][]; readonly p: number[][] } | { readonly layers: number[][][] };
  readonly times: number[];
}

export type SetName = 'balanced' | 'perLayer';

export interface ProblemSet {
  /** Absent in files written before the per-layer set existed: balanced. */
  readonly name?: SetName;
  readonly seed: number;
  readonly problems: BenchProblem[];
}

function uniform(rng: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/** Rounds to 4 significant digits so the JSON stays readable; the rounded value is what everyone solves. */
function round4(x: number): number {
  return Number(x.toPrecision(4));
}

/** The draws both sets share, in their order: the sizes, S, λ, τ and the last output time. */
function commonDraws(rng: ReturnType<typeof createRandom>) {
  const M = rng.integer(1, 3);
  const K = rng.integer(1, 4);
  const depths = Array.from({ length: M }, () => rng.integer(1, 6));
  const singularValues = Array.from({ length: K }, () => round4(uniform(rng, 0.5, 5))).sort((a, b) => b - a);
  const inputVariances = Array.from({ length: K }, () => round4(uniform(rng, 0.5, 2)));
  const tau = [0.5, 1, 2][rng.integer(0, 2)]!;
  const tEnd = rng.integer(20, 200);
  return { K, depths, singularValues, inputVariances, tau, tEnd };
}

/** OUTPUT_TIMES equally spaced times from 0 to tEnd, the last exactly tEnd. */
function outputTimes(tEnd: number): number[] {
  return Array.from({ length: OUTPUT_TIMES }, (_, i) => (i === OUTPUT_TIMES - 1 ? tEnd : (tEnd * i) / (OUTPUT_TIMES - 1)));
}

export function makeProblems(seed: number = DEFAULT_SEED, count: number = DEFAULT_COUNT): ProblemSet {
  const rng = createRandom(seed);
  const problems: BenchProblem[] = [];
  for (let id = 0; id < count; id++) {
    const { K, depths, singularValues, inputVariances, tau, tEnd } = commonDraws(rng);
    const q = depths.map(() => Array.from({ length: K }, () => round4(uniform(rng, 0.5, 1))));
    const p = depths.map(() =>
      Array.from({ length: K }, () => (rng.uniform() < 0.5 ? -1 : 1) * round4(uniform(rng, 0.001, 0.05))),
    );
    problems.push({ id, singularValues, inputVariances, depths, tau, init: { q, p }, times: outputTimes(tEnd) });
  }
  return { name: 'balanced', seed, problems };
}

/**
 * The per-layer set (module comment). The same draws as makeProblems for the common ranges, in the same order,
 * then the layers: per problem σ, then pathway by pathway, layer by layer, mode by mode, ξ.
 */
export function makeLayerProblems(seed: number = DEFAULT_LAYER_SEED, count: number = DEFAULT_COUNT): ProblemSet {
  const rng = createRandom(seed);
  const problems: BenchProblem[] = [];
  for (let id = 0; id < count; id++) {
    const { K, depths, singularValues, inputVariances, tau, tEnd } = commonDraws(rng);
    const sigma = uniform(rng, 0.05, 0.6);
    const layers = depths.map((D) =>
      Array.from({ length: D }, (_, d) =>
        Array.from({ length: K }, () => {
          const xi = rng.normal();
          return round4(d === D - 1 ? 0.05 * sigma * xi : sigma * (1 + 0.3 * xi));
        }),
      ),
    );
    problems.push({ id, singularValues, inputVariances, depths, tau, init: { layers }, times: outputTimes(tEnd) });
  }
  return { name: 'perLayer', seed, problems };
}

/** The problem in the shape `solveReduced` takes, with the given solver settings. */
export function toReducedProblem(problem: BenchProblem, solver: NonNullable<ReducedProblem['solver']>): ReducedProblem {
  return {
    singularValues: problem.singularValues,
    inputVariances: problem.inputVariances,
    depths: problem.depths,
    tau: problem.tau,
    init: problem.init,
    times: problem.times,
    solver,
  };
}

export function writeProblems(path: string, set: ProblemSet): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(set, null, 1) + '\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sets: [string, ProblemSet][] = [
    [process.argv[2] ?? 'out/bench/reduced-problems.json', makeProblems()],
    [process.argv[3] ?? 'out/bench/reduced-layer-problems.json', makeLayerProblems()],
  ];
  for (const [file, set] of sets) {
    const path = resolve(file);
    writeProblems(path, set);
    console.log(`wrote ${set.problems.length} ${set.name} problems (seed ${set.seed}) to ${path}`);
  }
}
