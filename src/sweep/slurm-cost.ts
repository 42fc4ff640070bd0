/**
 * What one shard of a sweep will cost, estimated from the spec before anything runs, so that a SLURM task asks
 * for the time and memory it needs (docs/cluster.md). Engines with a cost model of their own use it (the
 * simulator's `estimateSimulationCost` for `network`, the gated model's `estimateCost` for `routing`); the
 * others get a per-point figure measured on the examples. Like those models, this is meant to be right within
 * a factor of a few: the request multiplies it by a safety factor and never goes below a floor.
 */
import { estimateCost } from '../gated/cost.ts';
import { parseGatedProblem } from '../gated/problem.ts';
import { routingProblem } from '../gated/routing.ts';
import { estimateSimulationCost } from '../network/cost.ts';
import { parseSimulationSpec } from '../network/spec.ts';
import { networkSpec } from './engines/network.ts';
import { engineOptions } from './registry.ts';
import { pointAt, pointCount, pointParameters, shardIndices, type PointParameters } from './points.ts';
import type { SweepSpec } from './spec.ts';
import type { Shard } from './store.ts';

export interface PointCost {
  /** Seconds on one core. */
  readonly seconds: number;
  /** Working memory of the point beyond the process's own. */
  readonly bytes: number;
}

export interface ShardCost {
  readonly points: number;
  /** Sum over the shard's points, on one core. */
  readonly seconds: number;
  /** The largest point's memory: what each worker thread must hold at once. */
  readonly peakPointBytes: number;
  /** Whether an engine's own cost model gave the figures (false: a per-point figure, or a guess for an unknown engine). */
  readonly modelled: boolean;
}

const MB = 1024 * 1024;

/**
 * Per-point figures for engines without a cost model, measured on the examples on the 2-core development
 * machine: `reduced` 0.5–2 ms a point over whole runs of sweep-quick, sweep-depth-sigma and sweep-width-depth
 * (`dln sweep … --workers 0`), 1–9 ms for single points timed alone; `endstate` about 0.06 ms (docs/sweeps.md,
 * Throughput). Set near the slow end: a shard's sum averages over its points.
 */
const REDUCED_SECONDS = 3e-3;
const ENDSTATE_SECONDS = 2e-4;
/**
 * What a `network` point costs beyond the simulator's estimate of its steps (building the spec, the task and
 * 201 records): points of sweep-rules-concentration at depth 2 took 0.07–0.1 s against an estimate of 0.01 s,
 * while deeper ones came within 0.25–6.6× of it.
 */
const NETWORK_POINT_SECONDS = 0.1;
/** A closed form per point (`twolayer` with `init: "aligned"`). */
const CLOSED_FORM_SECONDS = 1e-4;
/**
 * `twolayer` by gradient flow: seconds per hidden unit × (inputs + outputs) × record × √(t·S/τ), fitted on
 * points of sweep-twolayer-rank timed alone (hidden 30, 10 + 5, 201 records, t = 100, S = 3: 0.09–0.17 s a
 * point); at hidden 120 the time grew 3× (estimate 4×), at t = 1000 3.2× (estimate √10).
 */
const TWOLAYER_SECONDS_PER_UNIT = 8e-8;
/** An engine this module knows nothing of (registered by other code): a point is assumed to take a second. */
const UNKNOWN_SECONDS = 1;
const UNKNOWN_BYTES = 256 * MB;
/** Small engines' working memory per point: a few arrays, well below the process's own. */
const SMALL_BYTES = 4 * MB;

/** The cost of one point of `spec` at these parameters. */
export function estimatePointCost(spec: SweepSpec, params: PointParameters): PointCost {
  switch (spec.engine) {
    case 'endstate':
      return { seconds: ENDSTATE_SECONDS * params.depths.length, bytes: SMALL_BYTES };
    case 'reduced':
      // The ODE has one equation per pathway (and a few per kernel measure): cost grows with M.
      return { seconds: (REDUCED_SECONDS * Math.max(2, params.depths.length)) / 2, bytes: SMALL_BYTES };
    case 'network': {
      const cost = estimateSimulationCost(parseSimulationSpec(networkSpec(params, spec)));
      return { seconds: cost.seconds + NETWORK_POINT_SECONDS, bytes: cost.memoryBytes };
    }
    case 'routing':
      return routingCost(spec, params);
    case 'twolayer':
      return twoLayerCost(spec, params);
    default:
      return { seconds: UNKNOWN_SECONDS, bytes: UNKNOWN_BYTES };
  }
}

/** The problem the `routing` engine trains at a point (src/sweep/engines/routing.ts), costed by the gated model. */
function routingCost(spec: SweepSpec, params: PointParameters): PointCost {
  const o = engineOptions(spec, 'routing') ?? {};
  const epochs = (o['epochs'] as number | undefined) ?? 700;
  const hidden = (o['hidden'] as number | undefined) ?? 64;
  const orthogonal = ((o['init'] as string | undefined) ?? 'orthogonal') === 'orthogonal';
  const problem = parseGatedProblem(
    routingProblem({
      hidden,
      evaluateAllPairs: true,
      init: orthogonal ? { orthogonal: { gain: params.sigma, seed: params.seed } } : { decoupled: { scale: params.sigma, seed: params.seed } },
      train: { method: 'gd', learningRate: 0.01, steps: epochs, recordEvery: epochs },
    }),
  );
  const cost = estimateCost(problem);
  return { seconds: cost.seconds, bytes: cost.memoryBytes };
}

function twoLayerCost(spec: SweepSpec, params: PointParameters): PointCost {
  const o = engineOptions(spec, 'twolayer') ?? {};
  if ((o['init'] ?? 'random') === 'aligned') return { seconds: CLOSED_FORM_SECONDS, bytes: SMALL_BYTES };
  const d = (o['inputs'] as number | undefined) ?? 10;
  const nOut = (o['outputs'] as number | undefined) ?? 5;
  const h = params.width;
  // Gradient flow's steps grow with the time in units of the task's own time scale τ/S (at least one).
  const span = Math.max(1, ((spec.time ?? 1) * params.target) / params.tau);
  const records = 201;
  const seconds = TWOLAYER_SECONDS_PER_UNIT * h * (d + nOut) * records * Math.sqrt(span);
  // The records keep the weights' summaries and the kernel's (d·n_out)² Gram per record at most.
  const bytes = 8 * (records * (d * nOut) ** 2 + 20 * h * (d + nOut)) * 2;
  return { seconds, bytes };
}

/**
 * The cost of one shard (or of the whole sweep when `shard` is null): the sum over its points. Points of a
 * grid cell share their parameters but for the seed, which no cost depends on, so each cell is costed once.
 */
export function estimateShardCost(spec: SweepSpec, shard: Shard | null): ShardCost {
  const byCell = new Map<number, PointCost>();
  let seconds = 0;
  let peak = 0;
  const indices = shardIndices(pointCount(spec), shard ?? undefined);
  for (const index of indices) {
    const point = pointAt(spec, index);
    let cost = byCell.get(point.cell);
    if (cost === undefined) {
      cost = estimatePointCost(spec, pointParameters(spec, point));
      byCell.set(point.cell, cost);
    }
    seconds += cost.seconds;
    peak = Math.max(peak, cost.bytes);
  }
  const modelled = ['network', 'routing'].includes(spec.engine);
  return { points: indices.length, seconds, peakPointBytes: peak, modelled };
}
