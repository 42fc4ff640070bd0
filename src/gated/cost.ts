/**
 * What a gated problem will cost, estimated before anything is allocated, and the limits it must stay within
 * (issue 13): memory from the weights, the integrator's stages and the records; time, to an order of magnitude,
 * from the products per step (3 per edge and context: forward, gradient, backward) and the singular values
 * per record, at rates measured on the routing task (hidden 64 and 256: ~2 GFLOP/s for the products, ~0.4 for the SVDs; a per-call
 * overhead that dominates tiny graphs).
 */
import { checkWork, DEFAULT_WORK_LIMITS, type WorkEstimate, type WorkLimits } from '../util/limits.ts';
import type { GatedProblem } from './problem.ts';

export type GatedLimits = WorkLimits;
export const DEFAULT_LIMITS = DEFAULT_WORK_LIMITS;
export type GatedCost = WorkEstimate;

const FLOPS_PER_SECOND = 2e9;
const SECONDS_PER_PRODUCT_CALL = 3e-7;
const SVD_FLOPS_PER_SECOND = 4e8;
const SECONDS_PER_SVD_CALL = 2e-5;
/** DOPRI5 keeps about this many copies of the state (stages, error, interpolation). */
const FLOW_STATE_COPIES = 12;
/** A flow's step count is not known in advance: this many steps per output time is what the estimate assumes. */
const FLOW_STEPS_PER_OUTPUT = 50;

export function estimateCost(problem: GatedProblem): GatedCost {
  const { graph, contexts, train } = problem;
  let weights = 0;
  let svdFlops = 0;
  let recordNumbers = 0;
  for (const e of graph.edges) {
    const m = graph.nodes[e.to]!.size;
    const n = graph.nodes[e.from]!.size;
    weights += m * n;
    svdFlops += 20 * m * n * Math.min(m, n);
    recordNumbers += Math.min(m, n);
  }
  let stepFlops = 0;
  let data = 0;
  let calls = 0;
  for (const c of contexts) {
    // Only edges a context reaches do work: from a named input, through open gates.
    const live = new Array<boolean>(graph.nodes.length).fill(false);
    for (const v of graph.order) {
      if (graph.nodes[v]!.kind === 'input') live[v] = c.inputs[v] != null;
      if (!live[v]) continue;
      graph.edges.forEach((e, i) => {
        if (e.from !== v || c.edgeGates[i] === 0 || c.nodeGates[e.to] === 0) return;
        live[e.to] = true;
        // Forward, gradient and backward: one multiply-add each per weight and item.
        stepFlops += 6 * graph.nodes[e.to]!.size * graph.nodes[e.from]!.size * c.items;
        calls += 3;
      });
    }
  }
  for (const c of [...contexts, ...problem.evaluate]) for (const v of graph.nodes) data += 3 * v.size * c.items;
  if (problem.engine === 'reduced') {
    // The race steps a few scalars per (edge, mode); its records sort them instead of computing SVDs.
    let modes = 0;
    for (const e of graph.edges) modes = Math.max(modes, Math.min(graph.nodes[e.to]!.size, graph.nodes[e.from]!.size));
    stepFlops = 20 * modes * graph.edges.length * graph.edges.length;
    calls = 0;
    svdFlops = 10 * recordNumbers * Math.log2(recordNumbers + 1);
  }
  const steps = train.method === 'gd' ? train.steps : train.times.length * FLOW_STEPS_PER_OUTPUT;
  const records = train.method === 'gd' ? Math.floor(train.steps / train.recordEvery) + 2 : train.times.length;
  const stateCopies = train.method === 'gd' ? 2 : FLOW_STATE_COPIES;
  const memoryBytes = 8 * (weights * stateCopies + data + records * (recordNumbers + 1 + problem.evaluate.length)) + 200 * records;
  const seconds =
    steps * (stepFlops / FLOPS_PER_SECOND + calls * SECONDS_PER_PRODUCT_CALL) +
    records * (svdFlops / SVD_FLOPS_PER_SECOND + graph.edges.length * SECONDS_PER_SVD_CALL);
  return { memoryBytes, seconds, records };
}

/** Refuses a problem whose estimate passes a limit, saying the estimate, the limit and how to raise it. */
export function checkCost(problem: GatedProblem, limits: GatedLimits = {}): GatedCost {
  return checkWork(estimateCost(problem), limits, {
    field: 'problem',
    shrinkMemory: 'record less often (train.recordEvery), shrink the graph',
    shrinkTime: 'fewer steps or records, a smaller graph',
    raiseMemory: 'limits.memoryBytes, dln gdln --max-memory',
    raiseTime: 'limits.seconds, dln gdln --max-time',
  });
}
