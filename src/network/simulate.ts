/**
 * simulate(spec): build the task and network a spec describes, train it, and return the records in the
 * contract of `dln simulate` (the sweep engine calls this too).
 */
import { createEngine, type Engine } from './engine.ts';
import { applyMeanFieldInit, meanFieldRates, meanFieldSignalScale, scaleEngine } from './parameterisation.ts';
import { createRule } from './rules/index.ts';
import { createNetwork, type Network } from './network.ts';
import { parseSimulationSpec, type SimulationSpec, type TaskSpec } from './spec.ts';
import { hierarchicalTask, singularValueTask, type Task } from './task.ts';
import { train, type RecordCallback, type TrainResult } from './train.ts';
import type { Outcome } from '../util/status.ts';
import { checkSimulationCost, type SimulationLimits } from './cost.ts';
import { expectRecord, rejectUnknownKeys, ValidationError } from '../util/validation.ts';
import { parseWorkLimits } from '../util/limits.ts';

export interface SimulateOptions {
  /** Work limits checked before anything is built (cost.ts); defaults 2 GiB and 600 s. */
  readonly limits?: SimulationLimits;
  /** Called after each record (for progress): records so far, the record's time, records in all. */
  readonly onRecord?: RecordCallback;
}

function parseSimulateOptions(value: unknown): SimulateOptions {
  const o = expectRecord(value, 'options', 'an object { limits?, onRecord? }');
  rejectUnknownKeys(o, ['limits', 'onRecord'], 'options');
  const limits = parseWorkLimits(o['limits'], 'options.limits');
  const onRecord = o['onRecord'];
  if (onRecord !== undefined && typeof onRecord !== 'function') {
    throw new ValidationError('options.onRecord', onRecord, 'a function (recorded, time, total) => void');
  }
  return { ...(limits ? { limits } : {}), ...(onRecord === undefined ? {} : { onRecord: onRecord as RecordCallback }) };
}

export interface SimulationResult {
  readonly status: Outcome;
  /** Present when status is `failed`. */
  readonly message?: string;
  /** Flow time of each record (step s of gradient descent has time s·η). */
  readonly times: number[];
  /** strengths[record][a][α] = K_aα = (Uᵀ Ω_a V)_αα. */
  readonly strengths: number[][][];
  /** ½‖Σ^{yx} − Ω‖² (whitened inputs), or the dataset loss for nonlinear pathways. */
  readonly loss: number[];
}

export function buildTask(spec: TaskSpec): Task {
  return 'dataset' in spec ? hierarchicalTask() : singularValueTask(spec.singularValues, spec.basis, spec.seed);
}

export interface Simulation {
  readonly spec: SimulationSpec;
  readonly task: Task;
  readonly network: Network;
  readonly training: TrainResult;
  readonly result: SimulationResult;
}

/** Like simulate, but also returns the task, the trained network and the full records (K_a matrices). */
export function runSimulation(input: unknown, options: SimulateOptions = {}): Simulation {
  const spec = parseSimulationSpec(input);
  const { limits, onRecord } = parseSimulateOptions(options);
  checkSimulationCost(spec, limits);
  const task = buildTask(spec.task);
  const network = createNetwork(task, { depths: spec.depths, width: spec.width, nonlinearity: spec.nonlinearity ?? 'linear' }, spec.init);
  const engine = parameterisedEngine(spec, task, network);
  const training = train(engine, spec.train, onRecord === undefined ? {} : { onRecord });
  const result: SimulationResult = {
    status: training.status,
    ...(training.message === undefined ? {} : { message: training.message }),
    times: training.records.map((r) => r.time),
    strengths: training.records.map((r) => r.strengths),
    loss: training.records.map((r) => r.loss),
  };
  return { spec, task, network, training, result };
}

/**
 * The engine for the spec's parameterisation. Mean-field: the init read as raw weights (a "gaussian" init's
 * entries N(0, σ²/N) rescaled to N(0, σ²)) times c_d, the rules' fixed signals at 1/(γ₀N), and the flow scaled
 * layer by layer (parameterisation.ts).
 */
function parameterisedEngine(spec: SimulationSpec, task: Task, network: Network): Engine {
  const p = spec.parameterisation ?? 'standard';
  if (p === 'standard') {
    const precision = spec.precision ?? 'float64';
    return createEngine(network, task, { kernels: spec.kernels ?? 'auto', rule: createRule(spec.train.rule), ...(precision === 'float64' ? {} : { precision }) });
  }
  if (spec.init.kind === 'gaussian') {
    // createNetwork draws N(0, σ²/N_a) with N_a the pathway's width: back to the raw N(0, σ²).
    network.pathways.forEach((pw, a) => {
      const N = typeof spec.width === 'number' ? spec.width : spec.width[a]!;
      for (const w of pw.layers) for (let k = 0; k < w.data.length; k++) w.data[k] *= Math.sqrt(N);
    });
  }
  applyMeanFieldInit(network, p.gamma0);
  const inner = createEngine(network, task, { kernels: spec.kernels ?? 'auto', rule: createRule(spec.train.rule, meanFieldSignalScale(p.gamma0)) });
  return scaleEngine(inner, meanFieldRates(network, p.gamma0));
}

/** Validates `spec` (throwing a ValidationError naming the bad field), simulates, returns the CLI's JSON. */
export function simulate(spec: unknown, options: SimulateOptions = {}): SimulationResult {
  return runSimulation(spec, options).result;
}
