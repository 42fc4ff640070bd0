/**
 * Engines compute one sweep point: from its parameters to the pathways' strengths K_a of the (single) mode and,
 * where the engine has a time axis, the learning time. Each engine is loaded on first use, so a sweep only
 * pays for (and only needs) the engine it runs.
 */
import { solveReduced } from '../reduced/solve.ts';
import type { ReducedProblem, SolverSpec } from '../reduced/types.ts';
import type { PointParameters } from './points.ts';
import type { EngineName, SweepSpec } from './spec.ts';

export interface EngineOutcome {
  /** K_a of the mode at the end (t → ∞, or t = spec.time), one per pathway. */
  readonly strengths: readonly number[];
  /** First t with Σ_a K_a ≥ f·S (null: not reached); absent when the engine has no time axis. */
  readonly learningTime?: number | null;
}

export interface Engine {
  readonly name: EngineName;
  run(params: PointParameters, spec: EngineSettings): EngineOutcome | Promise<EngineOutcome>;
}

/** The parts of a sweep spec an engine reads. */
export type EngineSettings = Pick<SweepSpec, 'time' | 'solver' | 'learningFraction' | 'network'>;

/** The reduced problem of a point: one mode of singular value S, wide-Gaussian start (q = σ, p ~ N(0, σ²/N)). */
export function reducedProblem(params: PointParameters, times: readonly number[], solver?: SolverSpec): ReducedProblem {
  return {
    singularValues: [params.target],
    depths: [...params.depths],
    tau: params.tau,
    init: { wideGaussian: { sigma: params.sigma, width: params.width, seed: params.seed } },
    times: [...times],
    ...(solver === undefined ? {} : { solver }),
  };
}

/**
 * Relative residual |S − Σ_a K_a| / max(S, Σ_a |K_a|) below which a run counts as having reached its end state.
 * The solver's error in each K_a is relative to |K_a|, so when pathways end with large strengths of opposite
 * sign (p₀ beyond q₀, possible at small width) the residual cannot fall below rtol · Σ_a |K_a|.
 */
export const LEARNED_RTOL = 1e-6;

/**
 * A first guess of when the mode is learned: the fastest pathway's single-pathway time scale (DESIGN §2.5:
 * τ at depth 1, where the residual decays as e^{−t/τ} whatever S; τ ln(S/σ²)/S at depth 2; the plateau
 * τ/((D−2) S σ^{D−2}) at depth D ≥ 3).
 */
export function learningTimeScale(params: PointParameters): number {
  const { target: S, sigma, tau } = params;
  const scales = params.depths.map((D) => {
    if (D === 1) return 1;
    if (D === 2) return Math.max(1, Math.log(S / (sigma * sigma))) / S;
    return 1 / ((D - 2) * S * sigma ** (D - 2));
  });
  return tau * Math.min(...scales);
}

const reducedEngine: Engine = {
  name: 'reduced',
  run(params, settings) {
    const options = { learningFraction: settings.learningFraction };
    if (settings.time !== undefined) {
      const solution = solveReduced(reducedProblem(params, [0, settings.time], settings.solver), options);
      if (solution.status !== 'ok') throw new Error(solution.message ?? 'reduced solve failed');
      return { strengths: solution.strengths.at(-1)!.map((row) => row[0]!), learningTime: solution.learningTimes?.[0] ?? null };
    }
    // The end state: integrate past the learning time scale, ten times longer until the residual has gone.
    let tEnd = 20 * learningTimeScale(params);
    for (let attempt = 0; attempt < 12; attempt++, tEnd *= 10) {
      const solution = solveReduced(reducedProblem(params, [0, tEnd], settings.solver), options);
      if (solution.status !== 'ok') throw new Error(solution.message ?? 'reduced solve failed');
      const K = solution.strengths.at(-1)!.map((row) => row[0]!);
      const total = K.reduce((s, k) => s + k, 0);
      const scale = Math.max(params.target, K.reduce((s, k) => s + Math.abs(k), 0));
      if (Math.abs(params.target - total) <= LEARNED_RTOL * scale) {
        return { strengths: K, learningTime: solution.learningTimes?.[0] ?? null };
      }
    }
    throw new Error(`not learned by t = ${tEnd / 10} (|S − Σ K| / max(S, Σ |K|) > ${LEARNED_RTOL})`);
  },
};

async function loadEndstateEngine(): Promise<Engine> {
  // Loaded on first use: sweeps on other engines never pay for it.
  const { endState } = await import('../exact/endstate.ts');
  return {
    name: 'endstate',
    run(params) {
      const result = endState(reducedProblem(params, [0]));
      return { strengths: result.strengths.map((row) => row[0]!) };
    },
  };
}

/** 0, then 200 times geometrically spaced from 10⁻⁴·T to T. */
export function flowRecordTimes(T: number): number[] {
  return [0, ...Array.from({ length: 200 }, (_, i) => (i === 199 ? T : T * 1e-4 ** (1 - i / 199)))];
}

/**
 * The `dln simulate` spec of a point: one mode of singular value S, Gaussian layers of scale σ and width N.
 * The simulator runs at τ = 1; τ dW/dt = −∇L is the same flow in time t/τ, so the end time goes in as time/τ
 * (and the engine scales recorded times back by τ).
 */
export function networkSpec(params: PointParameters, settings: EngineSettings): Record<string, unknown> {
  const net = settings.network ?? {};
  // Default: gradient flow to `time`, recorded on a log grid so the learning time can be read off the records.
  const train = net['train'] ?? { method: 'flow', times: flowRecordTimes(settings.time! / params.tau) };
  return {
    task: { singularValues: [params.target] },
    depths: [...params.depths],
    width: params.width,
    init: { kind: net['init'] ?? 'gaussian', sigma: params.sigma, seed: params.seed },
    ...(net['nonlinearity'] === undefined ? {} : { nonlinearity: net['nonlinearity'] }),
    train,
  };
}

async function loadNetworkEngine(): Promise<Engine> {
  const { simulate } = await import('../network/index.ts');
  return {
    name: 'network',
    run(params, settings) {
      const result = simulate(networkSpec(params, settings));
      if (result.status !== 'ok') throw new Error(result.message ?? 'simulation failed');
      const K = result.strengths.at(-1)!.map((row) => row[0]!);
      const t = recordedLearningTime(result.times, result.strengths, settings.learningFraction * params.target);
      return { strengths: K, learningTime: t === null ? null : params.tau * t };
    },
  };
}

/**
 * Learning time from recorded strengths: the first crossing of Σ_a K_a ≥ threshold, linearly interpolated
 * between the two records around it (the simulator has no dense output; null if never crossed).
 */
export function recordedLearningTime(times: readonly number[], strengths: readonly (readonly (readonly number[])[])[], threshold: number): number | null {
  let prevT = NaN;
  let prevSum = NaN;
  for (let i = 0; i < times.length; i++) {
    const sum = strengths[i]!.reduce((s, row) => s + row[0]!, 0);
    if (sum >= threshold) {
      if (i === 0) return times[0]!;
      return prevT + ((threshold - prevSum) / (sum - prevSum)) * (times[i]! - prevT);
    }
    prevT = times[i]!;
    prevSum = sum;
  }
  return null;
}

const loaded = new Map<EngineName, Promise<Engine>>();

/** The engine of that name, loaded once per thread. */
export function loadEngine(name: EngineName): Promise<Engine> {
  let engine = loaded.get(name);
  if (engine === undefined) {
    engine =
      name === 'reduced' ? Promise.resolve(reducedEngine) : name === 'endstate' ? loadEndstateEngine() : loadNetworkEngine();
    loaded.set(name, engine);
  }
  return engine;
}

/** Whether an engine can be loaded in this checkout (e.g. to pick the demo's engine). */
export async function engineAvailable(name: EngineName): Promise<boolean> {
  try {
    await loadEngine(name);
    return true;
  } catch {
    return false;
  }
}
