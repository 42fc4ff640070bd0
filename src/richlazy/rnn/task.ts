/**
 * A seeded two-alternative perceptual decision task, after neurogym's `PerceptualDecisionMaking-v0` as Liu et
 * al.'s code uses it (`BioRNN_RichLazy/main.py`, task "2AF": dt = 100 ms, timing fixation 0, stimulus 700,
 * delay 0, decision 100 ms, so 8 steps per trial and one trial per sequence of length 8).
 *
 * Conventions (neurogym's, with dim_ring = 2):
 * - inputs per step x_t = (fixation, evidence 1, evidence 2). The fixation channel is 1 during the fixation and
 *   stimulus periods and 0 in the decision period (its drop is the go cue). The evidence channels are 0 outside
 *   the stimulus period and, during it, 0.5 ± c/200 + σ ξ with ξ ~ N(0, 1) drawn per step and channel:
 *   +c/200 on the channel of the correct choice, −c/200 on the other. c is drawn uniformly from `coherences`
 *   (neurogym's 0, 6.4, 12.8, 25.6, 51.2), σ = `noise` (neurogym's σ/√dt = 1/√100 = 0.1).
 * - the correct choice is 1 or 2 with probability ½ each (the random sign of the evidence difference); at
 *   c = 0 it is a coin flip the network cannot learn, so the accuracy ceiling is below 1.
 * - targets per step: 0 (fixate) in the fixation and stimulus periods, the choice (1 or 2) in the decision
 *   period — neurogym's ground truth, which the authors' cross-entropy counts on every step.
 *
 * Layout: inputs[(t·B + b)·3 + c], targets[t·B + b] (time-major, as a PyTorch (T, B, ·) tensor).
 */
import { ValidationError } from '../../util/errors.ts';
import type { Random } from '../../util/random.ts';
import { expectNumber, expectNumberArray, expectOneOf, expectRecord, rejectUnknownKeys } from '../../util/validation.ts';

/** Input channels: fixation and the two evidence channels. */
export const TASK_INPUTS = 3;
/** Output classes: fixate, choice 1, choice 2. */
export const TASK_CLASSES = 3;

/** Which steps the cross-entropy counts: all (the authors' code: fixate targets too) or the decision period. */
export type LossSteps = 'all' | 'decision';

export interface DecisionTaskSpec {
  /** Steps of the fixation period (default 0, as the authors' timing). */
  readonly fixation?: number;
  /** Steps of the stimulus period (default 7). */
  readonly stimulus?: number;
  /** Steps of the decision period (default 1). */
  readonly decision?: number;
  /** Coherences c (percent) drawn uniformly per trial (default neurogym's [0, 6.4, 12.8, 25.6, 51.2]). */
  readonly coherences?: readonly number[];
  /** Standard deviation of the evidence noise per step (default 0.1 = neurogym's 1/√dt at dt = 100). */
  readonly noise?: number;
  /** Steps the loss counts (default 'all', the authors' code). */
  readonly lossOn?: LossSteps;
}

export interface DecisionTask {
  readonly fixation: number;
  readonly stimulus: number;
  readonly decision: number;
  readonly coherences: readonly number[];
  readonly noise: number;
  readonly lossOn: LossSteps;
  /** fixation + stimulus + decision. */
  readonly steps: number;
  /** First step of the decision period. */
  readonly decisionStart: number;
}

export interface DecisionBatch {
  readonly steps: number;
  readonly batch: number;
  /** (T·B·3), time-major. */
  readonly inputs: Float64Array;
  /** (T·B) class per step: 0 fixate, 1 or 2 the choice (decision period). */
  readonly targets: Int32Array;
  /** The correct choice of each trial (1 or 2). */
  readonly choices: Int32Array;
  /** The coherence of each trial (percent). */
  readonly coherence: Float64Array;
}

export const DEFAULT_COHERENCES: readonly number[] = [0, 6.4, 12.8, 25.6, 51.2];
const STEPS = { integer: true, min: 0, max: 1000 };

/** Validates a task spec (fields named under `field`), filling the defaults. */
export function parseDecisionTask(value: unknown, field = 'task'): DecisionTask {
  const o = value === undefined ? Object.create(null) as Record<string, unknown> : expectRecord(value, field, 'an object { fixation?, stimulus?, decision?, coherences?, noise?, lossOn? }');
  rejectUnknownKeys(o, ['fixation', 'stimulus', 'decision', 'coherences', 'noise', 'lossOn'], field);
  const fixation = o['fixation'] === undefined ? 0 : expectNumber(o['fixation'], `${field}.fixation`, STEPS);
  const stimulus = o['stimulus'] === undefined ? 7 : expectNumber(o['stimulus'], `${field}.stimulus`, { ...STEPS, min: 1 });
  const decision = o['decision'] === undefined ? 1 : expectNumber(o['decision'], `${field}.decision`, { ...STEPS, min: 1 });
  const coherences = o['coherences'] === undefined ? DEFAULT_COHERENCES : expectNumberArray(o['coherences'], `${field}.coherences`, { min: 0, max: 100 });
  if (coherences.length === 0) throw new ValidationError(`${field}.coherences`, o['coherences'], 'a non-empty array of coherences in [0, 100]');
  const noise = o['noise'] === undefined ? 0.1 : expectNumber(o['noise'], `${field}.noise`, { min: 0, max: 1e6 });
  const lossOn = o['lossOn'] === undefined ? 'all' : expectOneOf(o['lossOn'], `${field}.lossOn`, ['all', 'decision'] as const);
  const steps = fixation + stimulus + decision;
  return { fixation, stimulus, decision, coherences, noise, lossOn, steps, decisionStart: fixation + stimulus };
}

/** Draws a batch of trials from `random` (the only source of randomness: same stream, same batch). */
export function drawDecisionBatch(task: DecisionTask, batch: number, random: Random): DecisionBatch {
  const T = task.steps;
  const inputs = new Float64Array(T * batch * TASK_INPUTS);
  const targets = new Int32Array(T * batch);
  const choices = new Int32Array(batch);
  const coherence = new Float64Array(batch);
  const stimEnd = task.fixation + task.stimulus;
  for (let b = 0; b < batch; b++) {
    const choice = random.uniform() < 0.5 ? 1 : 2;
    const c = task.coherences[Math.floor(random.uniform() * task.coherences.length)]!;
    choices[b] = choice;
    coherence[b] = c;
    const shift = c / 200;
    for (let t = 0; t < T; t++) {
      const o = (t * batch + b) * TASK_INPUTS;
      if (t < stimEnd) inputs[o] = 1;
      if (t >= task.fixation && t < stimEnd) {
        const n1 = random.normal();
        const n2 = random.normal();
        inputs[o + 1] = 0.5 + (choice === 1 ? shift : -shift) + task.noise * n1;
        inputs[o + 2] = 0.5 + (choice === 2 ? shift : -shift) + task.noise * n2;
      }
      targets[t * batch + b] = t >= task.decisionStart ? choice : 0;
    }
  }
  return { steps: T, batch, inputs, targets, choices, coherence };
}
