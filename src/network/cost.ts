/**
 * What a simulation will cost, estimated from its spec before the task, the network or a record is built
 * (issue 13): memory (weights and the engine's buffers, the integrator's stages for gradient flow, the task's
 * bases, every record's K_a matrices, the frozen backward matrices of feedback alignment and DFA) and an order-of-magnitude time (the thin products per step, the task's
 * random basis). Rates are measured on this machine class (2 flops per multiply-add: ~5 GFLOP/s on the SIMD thin kernels, ~1 on the dense nonlinear ones; a flow takes ~200 steps per output time on the bench problems);
 * the estimate is meant to be right within a factor of a few, enough to refuse what cannot finish.
 */
import { checkWork, DEFAULT_WORK_LIMITS, type WorkEstimate, type WorkLimits } from '../util/limits.ts';
import type { SimulationSpec } from './spec.ts';

export type SimulationLimits = WorkLimits;
export const DEFAULT_SIMULATION_LIMITS = DEFAULT_WORK_LIMITS;
export type SimulationCost = WorkEstimate;

const FLOPS_PER_SECOND = 5e9;
/** Beyond k = 16 thin columns the kernels are plain JavaScript loops (measured: K = 100…400 modes, ~0.5 GFLOP/s). */
const WIDE_K_FLOPS_PER_SECOND = 5e8;
/** Dense products of the nonlinear and ml-matrix engines run slower than the thin kernels. */
const SLOW_FLOPS_PER_SECOND = 1e9;
/** The flow's step count is unknown in advance: this many steps per output time is assumed. */
const FLOW_STEPS_PER_OUTPUT = 200;
/** DOPRI5 with denseOutput false keeps about this many copies of the state. */
const FLOW_STATE_COPIES = 9;
/** A JavaScript array of numbers costs about this much per number beyond its 8 bytes (boxing, headers). */
const ARRAY_OVERHEAD = 2;

export function estimateSimulationCost(spec: SimulationSpec): SimulationCost {
  const isDataset = 'dataset' in spec.task;
  const K = isDataset ? 8 : spec.task.singularValues.length;
  const kIn = isDataset ? 8 : K;
  const kOut = isDataset ? 7 : K;
  const M = spec.depths.length;
  let weights = 0;
  let stepFlops = 0;
  // Feedback alignment keeps a B of W's shape for every layer above the first; DFA an N_d × n_out projection
  // for every hidden layer (issue 15).
  const rule = spec.train.rule;
  const kind = typeof rule === 'object' ? rule.kind : rule;
  let feedback = 0;
  spec.depths.forEach((D, a) => {
    const N = typeof spec.width === 'number' ? spec.width : spec.width[a]!;
    const dims = D === 1 ? [kIn, kOut] : [kIn, ...new Array<number>(D - 1).fill(N), kOut];
    for (let d = 0; d < D; d++) {
      const n = dims[d]! * dims[d + 1]!;
      weights += n;
      if (kind === 'fa' && d > 0) feedback += n;
      if (kind === 'dfa' && d < D - 1) feedback += dims[d + 1]! * kOut;
      // A gated linear network keeps its gate projections (N_d × n_in) and the gates of the samples.
      if (kind === 'gln' && d < D - 1) feedback += 2 * dims[d + 1]! * kIn;
      // Forward prefixes, suffixes and the rank-k update: three thin products of k columns per layer.
      stepFlops += 6 * n * Math.max(kIn, kOut);
    }
  });
  // Gates need the samples: backpropagation through the dataset, as for nonlinear pathways.
  const slow = spec.kernels === 'ml-matrix' || kind === 'gln' || (spec.nonlinearity !== undefined && spec.nonlinearity !== 'linear');
  const train = spec.train;
  const steps = train.method === 'gd' ? train.steps : train.times.length * FLOW_STEPS_PER_OUTPUT;
  const records = train.method === 'gd' ? Math.floor(train.steps / train.recordEvery) + 2 : train.times.length;
  const stateCopies = train.method === 'gd' ? 4 : 4 + FLOW_STATE_COPIES;
  const perRecord = (M * K * K + M * K + 2) * 8 * ARRAY_OVERHEAD + 200;
  const basis = !isDataset && (spec.task as { basis?: string }).basis === 'random' ? 2 * K * K : 2 * K * K;
  const memoryBytes = 8 * (weights * stateCopies + basis + feedback) + records * perRecord;
  const basisSeconds = !isDataset && (spec.task as { basis?: string }).basis === 'random' ? (20 * K ** 3) / FLOPS_PER_SECOND : 0;
  const recordSeconds = (records * M * (K * K * Math.max(kIn, kOut) + K)) / FLOPS_PER_SECOND;
  const rate = slow ? SLOW_FLOPS_PER_SECOND : Math.max(kIn, kOut) > 16 ? WIDE_K_FLOPS_PER_SECOND : FLOPS_PER_SECOND;
  const seconds = (steps * stepFlops) / rate + basisSeconds + recordSeconds;
  return { memoryBytes, seconds, records };
}

/** Refuses a spec whose estimate passes a limit, saying the estimate, the limit and how to raise it. */
export function checkSimulationCost(spec: SimulationSpec, limits: SimulationLimits = {}): SimulationCost {
  return checkWork(estimateSimulationCost(spec), limits, {
    field: 'spec',
    shrinkMemory: 'record less often (train.recordEvery), narrower or shallower pathways',
    shrinkTime: 'fewer steps, a smaller network or task',
    raiseMemory: 'simulate(spec, { limits: { memoryBytes } }), dln simulate --max-memory',
    raiseTime: 'simulate(spec, { limits: { seconds } }), dln simulate --max-time',
  });
}
