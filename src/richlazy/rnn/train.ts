/**
 * `trainRnn(spec)`: Liu et al.'s RNN experiment (ICLR 2024; `BioRNN_RichLazy/main.py`) as one validated call —
 * a ReLU RNN whose recurrent weights start at a chosen rank at a matched Frobenius norm, trained by BPTT with
 * SGD + momentum on the perceptual decision task, with the laziness measures taken on W_rec between the start
 * and the end of training, as the authors' code does (docs/rich-lazy.md, "Recurrent networks").
 *
 * Initial weights (seeded from `spec.seed`):
 * - W_rec(0) = g Z/√n, Z ~ N(0, 1), truncated to rank r and rescaled to the draw's Frobenius norm
 *   (`truncatedLowRank`). The draw depends on the seed only, so one seed at several ranks truncates the same Z
 *   (the authors share one W0_Gauss across ranks): rank comparisons are paired.
 * - W_in, W_out Gaussian with standard deviations 1/√(3 n_in) and 1/√(3 n): the variance of PyTorch's default
 *   nn.Linear init U(±1/√fan_in), which the authors' input and output layers keep.
 *
 * Measures on a fixed probe batch (its own seed stream, drawn once), at the start and at the end:
 * weight change ‖W_rec(f) − W_rec(0)‖_F (and over ‖W_rec(0)‖_F), tangent-kernel alignment of K = J Jᵀ over all
 * (t, b, k) (jacobian.ts), representation alignment of H Hᵀ with H the activity at the last decision step,
 * sign similarity of the activity over the decision period, effective rank of W_rec (entropy and eigenvalue
 * forms). The authors' probe is 10 batches (320 trials); the default here is 32 (one batch): J has
 * T·P·3 rows of n² entries, 61 MB at n = 100 and P = 32, ten times that at P = 320.
 */
import { ValidationError } from '../../util/errors.ts';
import { checkWork, parseWorkLimits, type WorkEstimate, type WorkLimits } from '../../util/limits.ts';
import { createRandom, type Random } from '../../util/random.ts';
import type { Outcome } from '../../util/status.ts';
import { expectNumber, expectRecord, rejectUnknownKeys } from '../../util/validation.ts';
import { truncatedLowRank } from '../init.ts';
import { effectiveRank, kernelAlignment, representationAlignment, signSimilarity, weightChange } from '../measures.ts';
import { recurrentTangentKernel } from './jacobian.ts';
import { batchLoss, lossAndGradient, RnnWorkspace, zeroGradient, type RnnWeights } from './network.ts';
import { drawDecisionBatch, parseDecisionTask, TASK_CLASSES, TASK_INPUTS, type DecisionBatch, type DecisionTask, type DecisionTaskSpec } from './task.ts';

export interface RnnTrainSpec {
  /** SGD iterations (one fresh batch each). */
  readonly iterations: number;
  /** Default 0.003 (the authors'). */
  readonly learningRate?: number;
  /** Default 0.9. */
  readonly momentum?: number;
  /** Trials per batch, default 32. */
  readonly batch?: number;
  /** Record the mean loss of every `recordEvery` iterations (default 1: every loss). */
  readonly recordEvery?: number;
}

export interface RnnProbeSpec {
  /** Trials in the fixed probe batch (default 32). */
  readonly trials?: number;
  /** Compute the tangent-kernel alignment (default true; it dominates the measures' cost). */
  readonly kernel?: boolean;
}

export interface RnnSpec {
  /** Hidden units n (≤ 2048). */
  readonly hidden: number;
  /** Rank of W_rec(0) (default n: the full Gaussian draw). */
  readonly rank?: number;
  /** Gain g of W_rec(0) = g Z/√n before truncation (default 1.25, the authors' code). */
  readonly gain?: number;
  /** dt/τ in (0, 1] (default 1, the authors' neurogym setting). */
  readonly alpha?: number;
  readonly task?: DecisionTaskSpec;
  readonly train: RnnTrainSpec;
  readonly probe?: RnnProbeSpec;
  readonly seed: number;
}

export interface RnnTrainOptions {
  /** Work limits (default 2 GiB, 600 s of estimated work): a spec past them is refused before it starts. */
  readonly limits?: WorkLimits;
}

/** Start and end value of a measure. */
export interface StartEnd {
  readonly start: number;
  readonly end: number;
}

export interface RnnMeasures {
  /** ‖W_rec(f) − W_rec(0)‖_F. */
  readonly weightChange: number;
  /** ‖W_rec(f) − W_rec(0)‖_F / ‖W_rec(0)‖_F. */
  readonly relativeWeightChange: number;
  /** KA(K(0), K(f)), K = J Jᵀ over the probe batch; null when not asked for or a kernel is zero (no direction). */
  readonly kernelAlignment: number | null;
  /** KA of H Hᵀ at the last decision step; null when the activity there is all zero at either end. */
  readonly representationAlignment: number | null;
  /** Fraction of decision-period activities whose sign (0 or +) is unchanged. */
  readonly signSimilarity: number;
  /** Roy–Vetterli entropy rank exp(−Σ p ln p), p = σ/Σσ, of W_rec. */
  readonly effectiveRank: StartEnd;
  /** Σ|λ_i| / (|λ_1| n) of W_rec (the form Liu et al. are quoted using for their spectra). */
  readonly eigenvalueRank: StartEnd;
}

export interface RnnResult {
  /** `ok`: all iterations ran; `failed`: the loss became non-finite (diverged) and training stopped there. */
  readonly status: Outcome;
  readonly message?: string;
  /** Iterations completed. */
  readonly iterations: number;
  /** Mean training loss of each window of `recordEvery` iterations, and the iteration that ends each window. */
  readonly losses: number[];
  readonly lossIterations: number[];
  /** Fraction of decision-period steps of the probe batch whose arg-max output is the target (end: null when failed). */
  readonly accuracy: { readonly start: number; readonly end: number | null };
  /** Cross-entropy on the probe batch (end: null when failed). */
  readonly probeLoss: { readonly start: number; readonly end: number | null };
  /** null when training failed (the end weights are not finite). */
  readonly measures: RnnMeasures | null;
  readonly timing: {
    readonly totalSeconds: number;
    readonly trainSeconds: number;
    readonly secondsPerIteration: number;
    readonly measureSeconds: number;
  };
  /** The estimate the spec was admitted on. */
  readonly cost: WorkEstimate;
}

/** A validated spec with every default filled. */
export interface ParsedRnnSpec {
  readonly hidden: number;
  readonly rank: number;
  readonly gain: number;
  readonly alpha: number;
  readonly task: DecisionTask;
  readonly iterations: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly batch: number;
  readonly recordEvery: number;
  readonly probeTrials: number;
  readonly kernel: boolean;
  readonly seed: number;
}

export const MAX_HIDDEN = 2048;
const SEED = { integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

export function parseRnnSpec(value: unknown): ParsedRnnSpec {
  const o = expectRecord(value, 'spec', 'an object { hidden, rank?, gain?, alpha?, task?, train, probe?, seed }');
  rejectUnknownKeys(o, ['hidden', 'rank', 'gain', 'alpha', 'task', 'train', 'probe', 'seed'], 'spec');
  const hidden = expectNumber(o['hidden'], 'spec.hidden', { integer: true, min: 1, max: MAX_HIDDEN });
  const rank = o['rank'] === undefined ? hidden : expectNumber(o['rank'], 'spec.rank', { integer: true, min: 1, max: hidden });
  const gain = o['gain'] === undefined ? 1.25 : expectNumber(o['gain'], 'spec.gain', { exclusiveMin: 0, max: 100 });
  const alpha = o['alpha'] === undefined ? 1 : expectNumber(o['alpha'], 'spec.alpha', { exclusiveMin: 0, max: 1 });
  const task = parseDecisionTask(o['task'], 'spec.task');
  const t = expectRecord(o['train'], 'spec.train', 'an object { iterations, learningRate?, momentum?, batch?, recordEvery? }');
  rejectUnknownKeys(t, ['iterations', 'learningRate', 'momentum', 'batch', 'recordEvery'], 'spec.train');
  const iterations = expectNumber(t['iterations'], 'spec.train.iterations', { integer: true, min: 0, max: 1e8 });
  const learningRate = t['learningRate'] === undefined ? 0.003 : expectNumber(t['learningRate'], 'spec.train.learningRate', { exclusiveMin: 0, max: 1e6 });
  const momentum = t['momentum'] === undefined ? 0.9 : expectNumber(t['momentum'], 'spec.train.momentum', { min: 0, exclusiveMax: 1 });
  const batch = t['batch'] === undefined ? 32 : expectNumber(t['batch'], 'spec.train.batch', { integer: true, min: 1, max: 65536 });
  const recordEvery = t['recordEvery'] === undefined ? 1 : expectNumber(t['recordEvery'], 'spec.train.recordEvery', { integer: true, min: 1, max: 1e8 });
  const p = o['probe'] === undefined ? (Object.create(null) as Record<string, unknown>) : expectRecord(o['probe'], 'spec.probe', 'an object { trials?, kernel? }');
  rejectUnknownKeys(p, ['trials', 'kernel'], 'spec.probe');
  const probeTrials = p['trials'] === undefined ? 32 : expectNumber(p['trials'], 'spec.probe.trials', { integer: true, min: 1, max: 65536 });
  const kernel = p['kernel'] === undefined ? true : p['kernel'];
  if (typeof kernel !== 'boolean') throw new ValidationError('spec.probe.kernel', kernel, 'true or false');
  const seed = expectNumber(o['seed'], 'spec.seed', SEED);
  return { hidden, rank, gain, alpha, task, iterations, learningRate, momentum, batch, recordEvery, probeTrials, kernel, seed };
}

/**
 * Rates measured on this machine class (bench/rnn/run.ts): the training products run at ~4 GFLOP/s (2 flops per
 * multiply-add, counted dense), the Jacobian's Gram product at ~2; ml-matrix's SVD and eigen-decomposition at
 * ~0.3 (counted as 30 n³). The estimate is meant to be right within a factor of a few: enough to refuse what
 * cannot finish, e.g. iterations × batch × T × n² beyond ~4·10¹¹ (600 s) by default.
 */
const TRAIN_FLOPS_PER_SECOND = 4e9;
const GRAM_FLOPS_PER_SECOND = 2e9;
const DECOMPOSITION_FLOPS_PER_SECOND = 3e8;

export function estimateRnnCost(s: ParsedRnnSpec): WorkEstimate {
  const n = s.hidden;
  const T = s.task.steps;
  const n2 = n * n;
  // Three products of B·T·n² multiply-adds per iteration (drive, carry, gradient).
  const trainFlops = s.iterations * 6 * s.batch * T * n2;
  const rows = T * s.probeTrials * TASK_CLASSES;
  // Per Jacobian row ≤ T backward steps of 2 n² multiply-adds; the Gram product rows² n² (half, symmetric).
  const jacobianFlops = s.kernel ? 2 * (rows * T * 4 * n2 + rows * rows * n2) : 0;
  // SVDs (entropy rank) and eigen-decompositions (eigenvalue rank) at the start and the end, plus the init's SVD.
  const decompositionFlops = 5 * 30 * n2 * n;
  const seconds = trainFlops / TRAIN_FLOPS_PER_SECOND + jacobianFlops / GRAM_FLOPS_PER_SECOND + decompositionFlops / DECOMPOSITION_FLOPS_PER_SECOND;
  const weights = n2 + n * (TASK_INPUTS + TASK_CLASSES);
  const workspace = (bt: number): number => (3 * (T + 1) * bt * n + 2 * bt * n + bt * T * 2 * TASK_CLASSES) * 8;
  const kernelBytes = s.kernel ? rows * n2 * 8 + 2 * rows * rows * 8 * 3 : 0; // J, and K(0), K(f) (with the nested-array copies KA reads)
  const recordBytes = Math.ceil(s.iterations / s.recordEvery) * 2 * 8 * 2;
  const memoryBytes = 8 * weights * 6 + workspace(s.batch) + workspace(s.probeTrials) + kernelBytes + recordBytes + 8 * n2 * 8;
  return { memoryBytes, seconds, records: Math.ceil(s.iterations / s.recordEvery) };
}

export function checkRnnCost(s: ParsedRnnSpec, limits?: WorkLimits): WorkEstimate {
  return checkWork(estimateRnnCost(s), limits, {
    field: 'spec',
    shrinkMemory: 'fewer probe trials (spec.probe.trials), probe.kernel false, or a smaller network',
    shrinkTime: 'fewer iterations, a smaller batch or network, or fewer probe trials',
    raiseMemory: 'trainRnn(spec, { limits: { memoryBytes } })',
    raiseTime: 'trainRnn(spec, { limits: { seconds } })',
  });
}

/** Three independent seed streams (weights, training batches, probe batch) from one seed. */
function streams(seed: number): { weights: Random; train: Random; probe: Random } {
  const root = createRandom(seed);
  const next = (): Random => createRandom(root.integer(0, 2 ** 32 - 1) * 2 ** 20 + root.integer(0, 2 ** 20 - 1));
  return { weights: next(), train: next(), probe: next() };
}

/** The initial weights of a parsed spec (exported for tests and the PyTorch peer's cross-check). */
export function initialWeights(s: ParsedRnnSpec): RnnWeights {
  const n = s.hidden;
  const r = streams(s.seed).weights;
  const wRec = new Float64Array(n * n);
  if (s.rank < n) {
    const rows = truncatedLowRank({ rows: n, cols: n, rank: s.rank, gain: s.gain, seed: s.seed });
    for (let i = 0; i < n; i++) wRec.set(rows[i]!, i * n);
  } else {
    // truncatedLowRank's draw, row-major from createRandom(seed), without its SVD (O(n³), a no-op at full rank).
    const z = createRandom(s.seed);
    const std = s.gain / Math.sqrt(n);
    for (let q = 0; q < n * n; q++) wRec[q] = std * z.normal();
  }
  const wIn = new Float64Array(n * TASK_INPUTS);
  const inStd = 1 / Math.sqrt(3 * TASK_INPUTS);
  for (let q = 0; q < wIn.length; q++) wIn[q] = inStd * r.normal();
  const wOut = new Float64Array(TASK_CLASSES * n);
  const outStd = 1 / Math.sqrt(3 * n);
  for (let q = 0; q < wOut.length; q++) wOut[q] = outStd * r.normal();
  return { n, nIn: TASK_INPUTS, nOut: TASK_CLASSES, alpha: s.alpha, wIn, wRec, wOut };
}

function rowsOf(data: Float64Array, rows: number, cols: number, from = 0): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from(data.subarray(from + i * cols, from + (i + 1) * cols)));
}

function copyWeights(w: RnnWeights): RnnWeights {
  return { ...w, wIn: w.wIn.slice(), wRec: w.wRec.slice(), wOut: w.wOut.slice() };
}

/** A measure that is undefined for these activities (a zero kernel has no direction): null instead of a throw. */
function orNull(f: () => number): number | null {
  try {
    return f();
  } catch (err) {
    if (err instanceof ValidationError) return null;
    throw err;
  }
}

function allFinite(...arrays: Float64Array[]): boolean {
  for (const a of arrays) for (let q = 0; q < a.length; q++) if (!Number.isFinite(a[q]!)) return false;
  return true;
}

interface Snapshot {
  readonly decision: number[][];
  readonly last: number[][];
  readonly kernel: number[][] | null;
  readonly loss: number;
  readonly accuracy: number;
}

function snapshot(w: RnnWeights, probe: DecisionBatch, s: ParsedRnnSpec): Snapshot {
  const ws = new RnnWorkspace(w.n, probe.steps, probe.batch, w.nOut);
  const lossFrom = s.task.lossOn === 'all' ? 0 : s.task.decisionStart;
  const l = batchLoss(w, probe, lossFrom, s.task.decisionStart, ws);
  const P = probe.batch;
  const n = w.n;
  const T = probe.steps;
  // Activity after the input of step t is h[t+1]: the decision period is h[decisionStart+1 … T].
  const decision = rowsOf(ws.h, s.task.decision * P, n, (s.task.decisionStart + 1) * P * n);
  const last = rowsOf(ws.h, P, n, T * P * n);
  let kernel: number[][] | null = null;
  if (s.kernel) {
    const k = recurrentTangentKernel(w, probe);
    kernel = rowsOf(k.kernel, k.size, k.size);
  }
  return { decision, last, kernel, loss: l.loss, accuracy: l.correct / l.decisions };
}

/**
 * Trains the RNN of a spec and measures how lazily W_rec learned. Throws ValidationError for a bad spec (the
 * field named) or one whose estimated work passes the limits; a run that diverges returns status `failed`.
 */
export function trainRnn(spec: RnnSpec | unknown, options: RnnTrainOptions = {}): RnnResult {
  const s = parseRnnSpec(spec);
  const opts = expectRecord(options, 'options', 'an object { limits? }');
  rejectUnknownKeys(opts, ['limits'], 'options');
  const cost = checkRnnCost(s, parseWorkLimits(opts['limits'], 'options.limits'));
  const started = performance.now();
  const n = s.hidden;
  const rand = streams(s.seed);
  const w0 = initialWeights(s);
  const w = copyWeights(w0);
  const probe = drawDecisionBatch(s.task, s.probeTrials, rand.probe);
  const lossFrom = s.task.lossOn === 'all' ? 0 : s.task.decisionStart;

  const m0 = performance.now();
  const start = snapshot(w0, probe, s);
  let measureMs = performance.now() - m0;

  const ws = new RnnWorkspace(n, s.task.steps, s.batch, w.nOut);
  const grad = zeroGradient(w);
  const vel = zeroGradient(w);
  const losses: number[] = [];
  const lossIterations: number[] = [];
  let window = 0;
  let inWindow = 0;
  let done = 0;
  let failure: string | undefined;
  const t0 = performance.now();
  for (let it = 0; it < s.iterations; it++) {
    const batch = drawDecisionBatch(s.task, s.batch, rand.train);
    const { loss } = lossAndGradient(w, batch, lossFrom, s.task.decisionStart, ws, grad);
    if (!Number.isFinite(loss)) {
      failure = `the loss became ${loss} at iteration ${it} (diverged: a smaller learningRate or gain)`;
      break;
    }
    // PyTorch's SGD with momentum (dampening 0): v ← μ v + g, W ← W − η v.
    const pairs: [Float64Array, Float64Array, Float64Array][] = [
      [w.wIn, grad.wIn, vel.wIn],
      [w.wRec, grad.wRec, vel.wRec],
      [w.wOut, grad.wOut, vel.wOut],
    ];
    for (const [p, g, v] of pairs) {
      for (let q = 0; q < p.length; q++) {
        const vq = s.momentum * v[q]! + g[q]!;
        v[q] = vq;
        p[q] -= s.learningRate * vq;
      }
    }
    done = it + 1;
    window += loss;
    inWindow++;
    if (inWindow === s.recordEvery || done === s.iterations) {
      losses.push(window / inWindow);
      lossIterations.push(done);
      window = 0;
      inWindow = 0;
    }
  }
  const trainMs = performance.now() - t0;
  if (failure === undefined && !allFinite(w.wIn, w.wRec, w.wOut)) failure = `the weights became non-finite by iteration ${done} (diverged: a smaller learningRate or gain)`;

  const timing = (total: number): RnnResult['timing'] => ({
    totalSeconds: total / 1000,
    trainSeconds: trainMs / 1000,
    secondsPerIteration: done > 0 ? trainMs / 1000 / done : 0,
    measureSeconds: measureMs / 1000,
  });
  if (failure !== undefined) {
    return {
      status: 'failed',
      message: failure,
      iterations: done,
      losses,
      lossIterations,
      accuracy: { start: start.accuracy, end: null },
      probeLoss: { start: start.loss, end: null },
      measures: null,
      timing: timing(performance.now() - started),
      cost,
    };
  }

  const m1 = performance.now();
  const end = snapshot(w, probe, s);
  const r0 = rowsOf(w0.wRec, n, n);
  const r1 = rowsOf(w.wRec, n, n);
  const rank = (m: number[][], method: 'entropy' | 'eigenvalue'): number => orNull(() => effectiveRank(m, method)) ?? 0;
  const measures: RnnMeasures = {
    weightChange: weightChange(r0, r1),
    relativeWeightChange: weightChange(r0, r1, { relative: true }),
    kernelAlignment: start.kernel !== null && end.kernel !== null ? orNull(() => kernelAlignment(start.kernel, end.kernel)) : null,
    representationAlignment: orNull(() => representationAlignment(start.last, end.last)),
    signSimilarity: signSimilarity(start.decision, end.decision),
    effectiveRank: { start: rank(r0, 'entropy'), end: rank(r1, 'entropy') },
    eigenvalueRank: { start: rank(r0, 'eigenvalue'), end: rank(r1, 'eigenvalue') },
  };
  measureMs += performance.now() - m1;
  return {
    status: 'ok',
    iterations: done,
    losses,
    lossIterations,
    accuracy: { start: start.accuracy, end: end.accuracy },
    probeLoss: { start: start.loss, end: end.loss },
    measures,
    timing: timing(performance.now() - started),
    cost,
  };
}
