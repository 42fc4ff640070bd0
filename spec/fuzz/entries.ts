/**
 * The entry points the fuzz feeds (spec/fuzz/entry-points.spec.ts in-process, bench/fuzz/run.ts in watched
 * child processes), each with the valid input its hostile inputs mutate. Every new entry point joins here.
 */
import { endState } from '../../src/exact/endstate.ts';
import { solveGated } from '../../src/gated/solve.ts';
import { parseSimulationSpec } from '../../src/network/spec.ts';
import { simulate } from '../../src/network/simulate.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import { kernelAlignment, weightChange, effectiveRank } from '../../src/richlazy/measures.ts';
import { solveTwoLayer } from '../../src/richlazy/twolayer.ts';
import { trainRnn } from '../../src/richlazy/rnn/train.ts';
import { solveMeanField } from '../../src/rules/meanfield.ts';
import { feedbackModeEndState, solveFeedbackModes } from '../../src/rules/feedback-mode.ts';
import { lazyKernelScale } from '../../src/rules/entk.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';

export interface Entry {
  readonly name: string;
  readonly base: unknown;
  readonly call: (input: unknown) => unknown;
  /** Hostile inputs per entry in the spec (kept near a few seconds each). */
  readonly specRuns: number;
  /** The `dln` subcommand reading the same JSON, for bench/fuzz --cli. */
  readonly cli?: string;
  /**
   * The result without the numbers its docs define as NaN (null in JSON) for this input, for the "ok results
   * are finite" check; a NaN anywhere else still fails it.
   */
  readonly documentedNaN?: (result: unknown) => unknown;
}

/** endState: shares, winnerShare and participation of a mode whose target S_α is 0 are undefined (docs/end-states.md). */
function endStateDefinedPart(result: unknown): unknown {
  const r = result as { status?: unknown; strengths?: number[][]; shares?: number[][]; winnerShare?: number[]; participation?: number[] };
  if (r?.status !== 'ok' || !Array.isArray(r.strengths) || !Array.isArray(r.shares)) return result;
  const undefinedMode = (m: number): boolean => {
    const total = r.strengths!.reduce((sum, row) => sum + row[m]!, 0);
    return total === 0 || Math.abs(total) <= 1e-12 * r.strengths!.reduce((sum, row) => sum + Math.abs(row[m]!), 0);
  };
  const keep = <T,>(row: readonly T[]): T[] => row.filter((_, m) => !undefinedMode(m));
  return { ...r, shares: r.shares.map(keep), winnerShare: keep(r.winnerShare ?? []), participation: keep(r.participation ?? []) };
}

export const REDUCED = {
  singularValues: [3, 1],
  depths: [2, 3],
  init: { q: [[1, 1], [1, 1]], p: [[0.1, 0.1], [0.2, 0.2]] },
  times: [0, 1, 2],
  solver: { method: 'auto', rtol: 1e-8, atol: 1e-10, maxSteps: 2000 },
};
export const SWEEP = {
  name: 'fuzz',
  engine: 'reduced',
  seed: 1,
  seeds: 2,
  fixed: { pathways: 2, width: 10, target: 3 },
  axes: { depth: [1, 2], sigma: { from: 0.1, to: 1, count: 3, scale: 'log' } },
  measures: ['winnerShare'],
};
export const SIMULATION = {
  task: { singularValues: [3, 1] },
  depths: [3, 2],
  width: 4,
  init: { kind: 'gaussian', sigma: 0.5, seed: 1 },
  train: { method: 'gd', learningRate: 0.02, steps: 10, recordEvery: 5 },
};
/** The same with a learning rule, so the rule's fields are mutated too. */
export const SIMULATION_FA = { ...SIMULATION, train: { ...SIMULATION.train, rule: { kind: 'fa', rho: 0.5, seed: 3 } } };
export const SIMULATION_DFA = { ...SIMULATION, train: { ...SIMULATION.train, rule: { kind: 'dfa', seed: 3 } } };
export const SIMULATION_MEANFIELD = { ...SIMULATION, parameterisation: { kind: 'meanfield', gamma0: 1.5 }, train: { ...SIMULATION.train, rule: 'hebb' } };
export const SIMULATION_GLN = { ...SIMULATION, train: { ...SIMULATION.train, rule: { kind: 'gln', seed: 3 } } };
/** The float32 engine (issue 18, item 6): its refusals (rules, flow, kernels) and its training under mutation. */
export const SIMULATION_F32 = { ...SIMULATION, precision: 'float32' };

/** Two pathways (x → h → y through edges a, b; x → y through c), gated per context. */
export const GATED = {
  graph: {
    nodes: [
      { id: 'x', size: 2, kind: 'input' },
      { id: 'h', size: 3 },
      { id: 'y', size: 2, kind: 'output' },
    ],
    edges: [
      { id: 'a', from: 'x', to: 'h' },
      { id: 'b', from: 'h', to: 'y' },
      { id: 'c', from: 'x', to: 'y' },
    ],
  },
  contexts: [
    { weight: 0.5, inputs: { x: [[1, 0], [0, 1]] }, targets: { y: [[2, 0], [0, 1]] } },
    { weight: 0.5, inputs: { x: [[1, 0], [0, 1]] }, targets: { y: [[1, 0], [0, 0.5]] }, gates: { edges: { c: 0 } } },
  ],
  init: { decoupled: { scale: 0.1, seed: 1 } },
  train: { method: 'gd', learningRate: 0.1, steps: 20, recordEvery: 10 },
};
/** The same trained by feedback alignment, so the rule's fields are mutated too. */
export const GATED_FA = { ...GATED, train: { ...GATED.train, rule: { kind: 'fa', rho: 0.5, seed: 4 } } };
export const TWOLAYER = {
  sigmaYX: [
    [2, 0.5, 0],
    [0, 1, 0.3],
    [0.2, 0, 0.5],
  ],
  init: {
    W1: [
      [0.1, 0.2, 0.2],
      [0.2, 0.1, -0.2],
      [0.2, -0.2, 0.1],
    ],
    W2: [
      [0, 0.5, 0],
      [0, 0, 0.5],
      [0.5, 0, 0],
    ],
  },
  tau: 1,
  times: [0, 0.5, 1, 2],
  solver: 'exact',
};
export const MEANFIELD = { rule: 'fa', rho: 0.5, gamma0: 1.5, target: 1, times: [0, 0.5, 1, 2] };
export const FEEDBACK_MODES = {
  singularValues: [2, 1],
  depths: [2, 3],
  init: { layers: [[[0.3, 0.2], [0.25, 0.3]], [[0.2, 0.3], [-0.3, 0.2], [-0.25, 0.3]]] },
  feedback: [[[0.6, -0.4]], [[0.5, 0.8], [-0.7, 0.4]]],
  times: [0, 1, 4],
};
export const RNN = { hidden: 6, rank: 2, train: { iterations: 3, learningRate: 0.01, batch: 4 }, probe: { trials: 4, kernel: true }, seed: 1 };
export const MEASURES = {
  a: [
    [1, 0.5],
    [0.5, 2],
  ],
  b: [
    [1.2, 0.1],
    [0.3, 1],
  ],
};

/**
 * Work limits for the calls that train: small enough that a mutation which asks for minutes (steps 10⁹,
 * width 10⁴) is refused by the cost estimate before it runs, which is the behaviour under test.
 */
const SMALL = { limits: { seconds: 2, memoryBytes: 256 * 1024 ** 2 } };

/** The two matrices of a measure's input; a root the harness cannot read is handed on whole, as both. */
function pair(input: unknown): { a: unknown; b: unknown } {
  try {
    const o = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
    return { a: o['a'], b: o['b'] };
  } catch {
    return { a: input, b: input };
  }
}

export const ENTRIES: readonly Entry[] = [
  { name: 'solveReduced', base: REDUCED, call: (p) => solveReduced(p), specRuns: 1500, cli: 'solve' },
  { name: 'endState', base: REDUCED, call: (p) => endState(p), specRuns: 1500, cli: 'endstate', documentedNaN: endStateDefinedPart },
  { name: 'parseSweepSpec', base: SWEEP, call: (s) => parseSweepSpec(s), specRuns: 2000 },
  { name: 'parseSimulationSpec', base: SIMULATION, call: (s) => parseSimulationSpec(s), specRuns: 2000, cli: 'simulate' },
  { name: 'parseSimulationSpec (fa)', base: SIMULATION_FA, call: (s) => parseSimulationSpec(s), specRuns: 500 },
  { name: 'simulate', base: SIMULATION, call: (s) => simulate(s, SMALL), specRuns: 500 },
  { name: 'simulate (dfa)', base: SIMULATION_DFA, call: (s) => simulate(s, SMALL), specRuns: 300 },
  { name: 'simulate (mean-field)', base: SIMULATION_MEANFIELD, call: (s) => simulate(s, SMALL), specRuns: 300 },
  { name: 'simulate (gln)', base: SIMULATION_GLN, call: (s) => simulate(s, SMALL), specRuns: 300 },
  { name: 'simulate (float32)', base: SIMULATION_F32, call: (s) => simulate(s, SMALL), specRuns: 300 },
  { name: 'solveGated', base: GATED, call: (g) => solveGated(g, SMALL), specRuns: 400, cli: 'gdln' },
  { name: 'solveGated (fa)', base: GATED_FA, call: (g) => solveGated(g, SMALL), specRuns: 300 },
  { name: 'solveTwoLayer', base: TWOLAYER, call: (s) => solveTwoLayer(s), specRuns: 800, cli: 'twolayer' },
  { name: 'solveMeanField', base: MEANFIELD, call: (s) => solveMeanField(s), specRuns: 800, cli: 'meanfield' },
  { name: 'solveFeedbackModes', base: FEEDBACK_MODES, call: (p) => solveFeedbackModes(p), specRuns: 600 },
  { name: 'feedbackModeEndState', base: FEEDBACK_MODES, call: (p) => feedbackModeEndState(p), specRuns: 600 },
  { name: 'lazyKernelScale', base: { rule: 'fa', depth: 4, rho: 0.5 }, call: (x) => ({ status: 'ok', c: lazyKernelScale(x as never) }), specRuns: 500 },
  { name: 'trainRnn', base: RNN, call: (s) => trainRnn(s, SMALL), specRuns: 400 },
  { name: 'richlazy measures', base: MEASURES, call: (x) => measures(pair(x)), specRuns: 800 },
  { name: 'solveReduced options', base: { learningFraction: 0.5 }, call: (o) => solveReduced(REDUCED, o as never), specRuns: 500 },
];

function measures({ a, b }: { a: unknown; b: unknown }): { status: 'ok'; values: number[] } {
  return { status: 'ok', values: [kernelAlignment(a, b), weightChange(a, b), weightChange(a, b, { relative: true }), effectiveRank(a)] };
}
