/**
 * End states per second (clock-change engine) vs ODE solves per second on the same random problems.
 *
 *   npx tsx bench/endstate/run.ts [--count 10000] [--ode-count 200] [--seed 20261201] [--depths 2-8]
 *                                 [--repeats 7] [--out out/bench/endstate.json]
 *
 * Problems: two pathways, four modes, depths drawn uniformly from --depths (both pathways independently),
 * q₀ ∈ [0.5, 1.5] with a random sign, p₀ = q₀·N(0, 0.3²) (so c = q² − p² of both signs and p₀ < 0 occur),
 * S_α ∈ [0.5, 5], λ_α ∈ [0.5, 2]. Timings run in this one Node process (one core; pin it with `taskset -c 0` on a
 * shared machine): the engine on all problems (best and median of --repeats passes after a warm-up pass), the ODE
 * (`solveReduced`, method auto, its default rtol 1e-8, to t = 1e4 where every mode has converged) on the first
 * --ode-count problems.
 * The same subset is solved (and timed once) at rtol 1e-12 to report the largest disagreement with the engine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { endState, modeEndState } from '../../src/exact/endstate.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import type { ReducedProblem } from '../../src/reduced/types.ts';
import { createRandom } from '../../src/util/random.ts';

/** Issue 18: 10⁴ two-pathway four-mode end states in ≤ 50 ms (median, one core) at ≤ 1e-12 from the ODE. */
const TARGET_MS = 50;
const TARGET_ACCURACY = 1e-12;
const TARGET_COUNT = 10_000;
const T_END = 1e4;

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: String(TARGET_COUNT) },
    'ode-count': { type: 'string', default: '200' },
    seed: { type: 'string', default: '20261201' },
    depths: { type: 'string', default: '2-8' },
    repeats: { type: 'string', default: '7' },
    out: { type: 'string', default: 'out/bench/endstate.json' },
  },
});
const count = Number(args.count);
const odeCount = Math.min(Number(args['ode-count']), count);
const repeats = Number(args.repeats);
const [dMin, dMax] = args.depths.split('-').map(Number) as [number, number];

interface Problem {
  readonly depths: number[];
  readonly singularValues: number[];
  readonly inputVariances: number[];
  readonly q: number[][];
  readonly p: number[][];
}

function makeProblems(n: number, seed: number): Problem[] {
  const random = createRandom(seed);
  const problems: Problem[] = [];
  for (let i = 0; i < n; i++) {
    const depths = [random.integer(dMin, dMax ?? dMin), random.integer(dMin, dMax ?? dMin)];
    const singularValues = Array.from({ length: 4 }, () => 0.5 + 4.5 * random.uniform());
    const inputVariances = Array.from({ length: 4 }, () => 0.5 + 1.5 * random.uniform());
    const q = depths.map(() => Array.from({ length: 4 }, () => (random.uniform() < 0.5 ? -1 : 1) * (0.5 + random.uniform())));
    const p = q.map((row) => row.map((qa) => Math.abs(qa) * 0.3 * random.normal()));
    problems.push({ depths, singularValues, inputVariances, q, p });
  }
  return problems;
}

const asJson = (pr: Problem, times?: number[], solver?: ReducedProblem['solver']) => ({
  singularValues: pr.singularValues,
  inputVariances: pr.inputVariances,
  depths: pr.depths,
  init: { q: pr.q, p: pr.p },
  ...(times ? { times } : {}),
  ...(solver ? { solver } : {}),
});

function timeIt(run: () => void): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
};

const problems = makeProblems(count, Number(args.seed));
const jsonProblems = problems.map((pr) => asJson(pr));

// 1. The whole API: validation, four modes, measures.
let sink = 0;
const apiPass = () => {
  for (const pr of jsonProblems) sink += endState(pr).strengths[0]![0]!;
};
apiPass(); // warm-up
const apiTimes = Array.from({ length: repeats }, () => timeIt(apiPass));

// 2. The inner routine alone (what a sweep calls per mode).
const out = new Float64Array(2);
const qMode = new Float64Array(2);
const pMode = new Float64Array(2);
const modePass = () => {
  for (const pr of problems) {
    for (let m = 0; m < 4; m++) {
      qMode[0] = pr.q[0]![m]!;
      qMode[1] = pr.q[1]![m]!;
      pMode[0] = pr.p[0]![m]!;
      pMode[1] = pr.p[1]![m]!;
      modeEndState(pr.depths, pr.singularValues[m]!, pr.inputVariances[m]!, qMode, pMode, out);
      sink += out[0]!;
    }
  }
};
modePass();
const modeTimes = Array.from({ length: repeats }, () => timeIt(modePass));

// 3. ODE solves on a subset: timing at the default tolerance, accuracy against rtol 1e-12.
const subset = problems.slice(0, odeCount);
const odePass = () => {
  for (const pr of subset) sink += solveReduced(asJson(pr, [T_END])).strengths[0]![0]![0]!;
};
odePass();
const odeTimes = Array.from({ length: Math.min(repeats, 3) }, () => timeIt(odePass));

let worst = 0;
let notConverged = 0;
const tightSolver = { rtol: 1e-12, atol: 1e-14, maxSteps: 10_000_000 };
const tightTime = timeIt(() => {
  for (const pr of subset) sink += solveReduced(asJson(pr, [T_END], tightSolver)).strengths[0]![0]![0]!;
});
for (const pr of subset) {
  const engine = endState(asJson(pr));
  const ode = solveReduced(asJson(pr, [T_END], tightSolver));
  const final = ode.strengths[0]!;
  for (let m = 0; m < 4; m++) {
    const target = pr.singularValues[m]! / pr.inputVariances[m]!;
    const residual = Math.abs(final[0]![m]! + final[1]![m]! - target);
    if (ode.status !== 'ok' || residual > 1e-10 * target) {
      notConverged++;
      continue;
    }
    for (let a = 0; a < 2; a++) {
      const k = final[a]![m]!;
      worst = Math.max(worst, Math.abs(engine.strengths[a]![m]! - k) / (Math.abs(k) + target));
    }
  }
}

const api = stats(apiTimes);
const mode = stats(modeTimes);
const ode = stats(odeTimes);
const endStatesPerSecond = (count / api.median) * 1000;
const odePerSecond = (odeCount / ode.median) * 1000;
const per10k = (api.median / count) * TARGET_COUNT;
const report = {
  problems: { count, seed: Number(args.seed), depths: [dMin, dMax], pathways: 2, modes: 4 },
  engine: {
    endStateMs: api,
    modeEndStateMs: mode,
    endStatesPerSecond,
    microsecondsPerMode: (mode.median / (4 * count)) * 1000,
  },
  ode: {
    count: odeCount,
    ms: ode,
    solvesPerSecond: odePerSecond,
    tEnd: T_END,
    rtol: 1e-8,
    tight: { rtol: 1e-12, ms: tightTime, solvesPerSecond: (odeCount / tightTime) * 1000 },
  },
  speedup: endStatesPerSecond / odePerSecond,
  accuracy: { maxRelativeDeviationVsOde1e12: worst, modesCompared: 4 * odeCount - notConverged, notConverged },
  target: {
    count: TARGET_COUNT,
    ms: per10k,
    limitMs: TARGET_MS,
    accuracyLimit: TARGET_ACCURACY,
    met: per10k <= TARGET_MS && worst <= TARGET_ACCURACY,
  },
  sink,
};
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');

const f = (x: number, digits = 1) => x.toFixed(digits);
console.log(`end states: ${count} problems (2 pathways, 4 modes, depths ${dMin}–${dMax}), seed ${args.seed}, one core`);
console.log(`  endState (whole problem, validation + measures): best ${f(api.best)} ms, median ${f(api.median)} ms → ${f(endStatesPerSecond, 0)} end states/s`);
console.log(`  modeEndState (per mode):                        best ${f(mode.best)} ms, median ${f(mode.median)} ms → ${f(report.engine.microsecondsPerMode, 2)} µs/mode`);
console.log(`ODE: solveReduced (auto, rtol 1e-8, t = 0 … ${T_END}) on ${odeCount} of them: median ${f(ode.median)} ms → ${f(odePerSecond, 0)} solves/s`);
console.log(`ODE at rtol 1e-12 (the engine's accuracy class): ${f(tightTime)} ms → ${f(report.ode.tight.solvesPerSecond, 0)} solves/s`);
console.log(`speed-up (end states/s ÷ ODE solves/s): ${f(report.speedup, 0)}× vs rtol 1e-8, ${f(endStatesPerSecond / report.ode.tight.solvesPerSecond, 0)}× vs rtol 1e-12`);
console.log(`accuracy vs the ODE at rtol 1e-12: max |ΔK|/(|K| + S/λ) = ${worst.toExponential(2)} over ${report.accuracy.modesCompared} modes (${notConverged} not converged by t = ${T_END}, skipped)`);
console.log(`  of which modeEndState (the numerics): ${f((100 * mode.median) / api.median, 0)}%; validation, result arrays and measures: the rest`);
console.log(
  `TARGET ${TARGET_COUNT} two-pathway four-mode end states ≤ ${TARGET_MS} ms at ≤ ${TARGET_ACCURACY} from the ODE: ` +
    `${f(per10k)} ms (median), ${worst.toExponential(2)} → ${report.target.met ? 'MET' : 'NOT MET'}`,
);
console.log(`written: ${args.out}`);
