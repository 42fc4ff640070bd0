/** The entry points bench/fuzz/run.ts feeds, each with the valid input its hostile inputs mutate. */
import { endState } from '../../src/exact/endstate.ts';
import { parseSimulationSpec } from '../../src/network/spec.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';

export interface Entry {
  readonly name: string;
  readonly base: unknown;
  readonly call: (input: unknown) => unknown;
  /** The `dln` subcommand reading the same JSON, for --cli. */
  readonly cli?: string;
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

export const ENTRIES: readonly Entry[] = [
  { name: 'solveReduced', base: REDUCED, call: (p) => solveReduced(p), cli: 'solve' },
  { name: 'endState', base: REDUCED, call: (p) => endState(p), cli: 'endstate' },
  { name: 'parseSweepSpec', base: SWEEP, call: (s) => parseSweepSpec(s) },
  { name: 'parseSimulationSpec', base: SIMULATION, call: (s) => parseSimulationSpec(s), cli: 'simulate' },
  { name: 'solveReduced options', base: { learningFraction: 0.5 }, call: (o) => solveReduced(REDUCED, o as never) },
];
