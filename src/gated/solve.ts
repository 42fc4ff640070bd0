/**
 * solveGated: a gated problem (problem.ts) trained by the full network or by the race reduction, with the
 * same records either way — loss, held-out evaluations and every edge's singular values at each record.
 */
import { SingularValueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { integrate } from '../integrate/index.ts';
import { solveModes } from '../reduced/driver.ts';
import type { ModeTask } from '../reduced/reduced-model.ts';
import { orthonormalColumns } from '../network/matrix.ts';
import { recordSteps } from '../network/train.ts';
import { ComputationError, ValidationError } from '../util/errors.ts';
import { createRandom, type Random } from '../util/random.ts';
import type { Outcome } from '../util/status.ts';
import { contextLoss } from './network.ts';
import { GatedEngine } from './engine.ts';
import { parseGatedProblem, type Dense, type GatedGraph, type GatedProblem, type GatedRule } from './problem.ts';
import { enumeratePaths, pathStatistics, type GatedPath, type PathStatistics } from './paths.ts';
import {
  decoupledWeight,
  diagonalise,
  findSharedModes,
  inBases,
  SHARED_MODE_TOLERANCE,
  withHiddenBases,
  type SharedModes,
} from './modes.ts';
import { raceMode, type RaceMode } from './race.ts';
import { checkCost, type GatedLimits } from './cost.ts';
import { expectRecord, rejectUnknownKeys } from '../util/validation.ts';
import { parseWorkLimits } from '../util/limits.ts';

function parseOptions(value: unknown): SolveGatedOptions {
  const o = expectRecord(value, 'options', 'an object { onRecord?, limits? }');
  rejectUnknownKeys(o, ['onRecord', 'limits'], 'options');
  if (o['onRecord'] !== undefined && typeof o['onRecord'] !== 'function') throw new ValidationError('options.onRecord', o['onRecord'], 'a function (done, total) => void');
  const limits = parseWorkLimits(o['limits'], 'options.limits');
  return { ...(o['onRecord'] ? { onRecord: o['onRecord'] as SolveGatedOptions['onRecord'] } : {}), ...(limits ? { limits } : {}) };
}

/**
 * The race is a handful of scalars per mode, so it is integrated far below the 1e-9 agreement the contract
 * promises (the flow of the full network uses NETWORK_RTOL: its state is every weight).
 */
const RACE_RTOL = 1e-12;
const RACE_ATOL = 1e-14;
const NETWORK_RTOL = 1e-11;
const NETWORK_ATOL = 1e-13;

export interface GatedRecord {
  readonly step?: number;
  readonly t?: number;
  readonly loss: number;
  readonly evaluations?: number[];
  readonly edges: Record<string, { singularValues: number[] }>;
}

export interface GatedResult {
  readonly status: Outcome;
  readonly message?: string;
  readonly engine: 'network' | 'reduced';
  readonly records: GatedRecord[];
  /** Reduced engine: how well the shared-mode condition holds (max off-diagonal / max entry). */
  readonly sharedModeResidual?: number;
}

export interface SolveGatedOptions {
  /** Called after each record (for progress); records so far. */
  readonly onRecord?: (done: number, total: number) => void;
  /** Work limits checked before anything runs (cost.ts); defaults 2 GiB and 600 s. */
  readonly limits?: GatedLimits;
}

/** All singular values of a matrix, descending (ml-matrix's SVD; off the hot path). */
export function singularValues(m: Dense): number[] {
  if (m.rows === 0 || m.cols === 0) return [];
  const svd = new SingularValueDecomposition(MlMatrix.from1DArray(m.rows, m.cols, Array.from(m.data)), {
    autoTranspose: true,
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  });
  return Array.from(svd.diagonal).sort((a, b) => b - a);
}

/** The initial weights of every edge, in edge order. */
export function initialWeights(problem: GatedProblem, analysis?: () => Analysis): Dense[] {
  const { graph, init } = problem;
  const shape = (e: number): [number, number] => [graph.nodes[graph.edges[e]!.to]!.size, graph.nodes[graph.edges[e]!.from]!.size];
  switch (init.kind) {
    case 'weights':
      return init.weights;
    case 'decoupled': {
      const a = (analysis ?? (() => analyse(problem)))();
      return graph.edges.map((e) => {
        const k = Math.min(graph.nodes[e.to]!.size, graph.nodes[e.from]!.size);
        return decoupledWeight(a.bases[e.to]!, new Float64Array(k).fill(init.scale), a.bases[e.from]!);
      });
    }
    case 'orthogonal': {
      const random = createRandom(init.seed);
      return graph.edges.map((_, e) => scaled(semiOrthogonal(...shape(e), random), init.gain));
    }
    case 'gaussian': {
      const random = createRandom(init.seed);
      return graph.edges.map((_, e) => {
        const [rows, cols] = shape(e);
        const std = init.sigma / Math.sqrt(cols);
        const data = new Float64Array(rows * cols);
        for (let i = 0; i < data.length; i++) data[i] = std * random.normal();
        return { rows, cols, data };
      });
    }
  }
}

function scaled(m: Dense, g: number): Dense {
  return { rows: m.rows, cols: m.cols, data: m.data.map((v) => g * v) };
}

/** Orthonormal columns when tall, orthonormal rows when wide (as torch.nn.init.orthogonal_ shapes it). */
function semiOrthogonal(rows: number, cols: number, random: Random): Dense {
  if (rows >= cols) return orthonormalColumns(rows, cols, random);
  const q = orthonormalColumns(cols, rows, random);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) data[j * cols + i] = q.data[i * rows + j]!;
  return { rows, cols, data };
}

/** Paths, statistics and shared modes of a problem, with random hidden bases from the init's seed. */
export interface Analysis {
  readonly paths: readonly GatedPath[];
  readonly stats: PathStatistics;
  readonly modes: SharedModes;
  readonly bases: readonly Dense[];
}

export function analyse(problem: GatedProblem): Analysis {
  const paths = enumeratePaths(problem.graph);
  const stats = pathStatistics(problem.graph, problem.contexts, paths);
  const modes = findSharedModes(problem.graph, stats);
  const seed = problem.init.kind === 'weights' ? 0 : problem.init.seed;
  const bases = withHiddenBases(problem.graph, modes, createRandom(seed));
  return { paths, stats, modes, bases };
}

/**
 * The race's start b_e^α from explicit weights: hidden bases carried through the edges (forward from known
 * sources, then backward from known targets), then diag(R_tᵀ W_e R_s) and the off-diagonal residual.
 */
export function decoupledStart(graph: GatedGraph, modes: SharedModes, weights: readonly Dense[]): { b: Float64Array[]; bases: Dense[]; residual: number; worst: string } {
  const bases: (Dense | null)[] = graph.nodes.map((node, v) => (node.kind === 'hidden' ? null : modes.bases[v]!));
  const columnsOf = (v: number): (Float64Array | null)[] => new Array<Float64Array | null>(graph.nodes[v]!.size).fill(null);
  const pending: (Float64Array | null)[][] = graph.nodes.map((_, v) => columnsOf(v));
  const colOf = (m: Dense, c: number): Float64Array => {
    const out = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + c]!;
    return out;
  };
  const settle = (v: number): void => {
    const size = graph.nodes[v]!.size;
    const cols = pending[v]!;
    // Orthonormal completion (Gram–Schmidt against what the edges fixed).
    const basis: Float64Array[] = [];
    const out: Float64Array[] = [];
    const fill = (w: Float64Array): Float64Array | null => {
      const x = Float64Array.from(w);
      for (let pass = 0; pass < 2; pass++)
        for (const b of basis) {
          let dot = 0;
          for (let i = 0; i < size; i++) dot += b[i]! * x[i]!;
          for (let i = 0; i < size; i++) x[i] -= dot * b[i]!;
        }
      let r = 0;
      for (const t of x) r += t * t;
      r = Math.sqrt(r);
      if (!(r > 1e-8)) return null;
      for (let i = 0; i < size; i++) x[i] /= r;
      return x;
    };
    const fixed: (Float64Array | null)[] = cols.map((c) => (c === null ? null : fill(c)));
    fixed.forEach((c) => c && basis.push(c));
    let unit = 0;
    for (let c = 0; c < size; c++) {
      let col = fixed[c] ?? null;
      while (col === null && unit < size) {
        const e = new Float64Array(size);
        e[unit++] = 1;
        col = fill(e);
      }
      basis.push(col!);
      out.push(col!);
    }
    const data = new Float64Array(size * size);
    out.forEach((col, c) => col.forEach((x, i) => (data[i * size + c] = x)));
    bases[v] = { rows: size, cols: size, data };
  };
  const apply = (w: Dense, x: Float64Array, transposed: boolean): Float64Array => {
    const out = new Float64Array(transposed ? w.cols : w.rows);
    for (let i = 0; i < w.rows; i++)
      for (let j = 0; j < w.cols; j++) {
        if (transposed) out[j] += w.data[i * w.cols + j]! * x[i]!;
        else out[i] += w.data[i * w.cols + j]! * x[j]!;
      }
    return out;
  };
  // Column c of a hidden basis is carried forward (W_e R_s[:, c]) from a source that knows its column c, then,
  // for columns no input reaches (modes beyond the inputs' rank), backward (W_eᵀ R_t[:, c]) from the outputs.
  const known = (v: number, c: number): Float64Array | null => {
    const b = bases[v];
    if (b !== null) return c < b.cols ? colOf(b, c) : null;
    return pending[v]![c] ?? null;
  };
  for (const v of graph.order) {
    if (graph.nodes[v]!.kind !== 'hidden') continue;
    graph.edges.forEach((e, i) => {
      if (e.to !== v) return;
      const k = Math.min(graph.nodes[e.from]!.size, graph.nodes[v]!.size);
      for (let c = 0; c < k; c++) {
        const src = known(e.from, c);
        if (pending[v]![c] !== null || src === null) continue;
        const moved = apply(weights[i]!, src, false);
        if (moved.some((x) => x !== 0)) pending[v]![c] = moved;
      }
    });
  }
  for (let k = graph.order.length - 1; k >= 0; k--) {
    const v = graph.order[k]!;
    if (graph.nodes[v]!.kind !== 'hidden') continue;
    graph.edges.forEach((e, i) => {
      if (e.from !== v) return;
      const kk = Math.min(graph.nodes[e.to]!.size, graph.nodes[v]!.size);
      for (let c = 0; c < kk; c++) {
        const dst = known(e.to, c);
        if (pending[v]![c] !== null || dst === null) continue;
        const moved = apply(weights[i]!, dst, true);
        if (moved.some((x) => x !== 0)) pending[v]![c] = moved;
      }
    });
  }
  for (const v of graph.order) if (graph.nodes[v]!.kind === 'hidden') settle(v);
  let biggest = 0;
  let off = 0;
  let worst = '';
  const b = graph.edges.map((e, i) => {
    const m = inBases(bases[e.to]!, weights[i]!, bases[e.from]!);
    const k = Math.min(m.rows, m.cols);
    const diag = new Float64Array(k);
    for (let r = 0; r < m.rows; r++)
      for (let c = 0; c < m.cols; c++) {
        const x = m.data[r * m.cols + c]!;
        biggest = Math.max(biggest, Math.abs(x));
        if (r === c) diag[r] = x;
        else if (Math.abs(x) > off) {
          off = Math.abs(x);
          worst = `init weight of edge ${e.id}, entry (${r}, ${c}) in the mode bases`;
        }
      }
    return diag;
  });
  return { b, bases: bases as Dense[], residual: biggest > 0 ? off / biggest : 0, worst };
}

function edgeRecords(graph: GatedGraph, weights: readonly Dense[]): Record<string, { singularValues: number[] }> {
  const out: Record<string, { singularValues: number[] }> = {};
  graph.edges.forEach((e, i) => (out[e.id] = { singularValues: singularValues(weights[i]!) }));
  return out;
}

function evaluations(problem: GatedProblem, weights: readonly Float64Array[]): number[] | undefined {
  if (problem.evaluate.length === 0) return undefined;
  return problem.evaluate.map((c) => contextLoss(problem.graph, weights, c));
}

/** Solves a gated problem (plain JSON, validated here) with the engine it names. */
export function solveGated(input: unknown, options: SolveGatedOptions = {}): GatedResult {
  const problem = parseGatedProblem(input);
  const opts = parseOptions(options);
  checkCost(problem, opts.limits);
  options = opts;
  return problem.engine === 'network' ? solveNetwork(problem, options) : solveRace(problem, options);
}

function finite(record: GatedRecord): boolean {
  if (!Number.isFinite(record.loss)) return false;
  if (record.evaluations?.some((v) => !Number.isFinite(v))) return false;
  return Object.values(record.edges).every((e) => e.singularValues.every(Number.isFinite));
}

function failedAt(records: GatedRecord[], engine: 'network' | 'reduced', where: string): GatedResult {
  records.pop();
  return { status: 'failed', message: `diverged: a non-finite loss or weight at ${where} (learning rate too large for these weights?)`, engine, records };
}

/** The fixed B_e of feedback alignment (null: gradient descent), from the initial weights W_e(0). */
function feedbackMatrices(rule: GatedRule | undefined, initial: readonly Float64Array[]): Float64Array[] | null {
  if (rule === undefined || rule === 'gd') return null;
  if ('feedback' in rule) return rule.feedback.map((b) => Float64Array.from(b.data));
  const random = createRandom(rule.seed);
  const keep = Math.sqrt(Math.max(0, 1 - rule.rho * rule.rho));
  return initial.map((w) => {
    let sq = 0;
    for (let k = 0; k < w.length; k++) sq += w[k]! ** 2;
    // W̃ at W(0)'s RMS keeps B at the edge's scale; a zero edge gets unit-variance-per-fan-in noise instead.
    const s = Math.sqrt(sq / Math.max(1, w.length)) || 1 / Math.sqrt(Math.max(1, w.length));
    return Float64Array.from(w, (x) => rule.rho * x + keep * s * random.normal());
  });
}

function solveNetwork(problem: GatedProblem, options: SolveGatedOptions): GatedResult {
  const { graph, contexts, train } = problem;
  const engine = new GatedEngine(graph, contexts);
  initialWeights(problem).forEach((w, i) => engine.weights[i]!.set(w.data));
  const feedback = feedbackMatrices(train.rule, engine.weights);
  if (feedback !== null) engine.setBackward(feedback);
  const dense = (w: readonly Float64Array[]): Dense[] => graph.edges.map((e, i) => ({ rows: graph.nodes[e.to]!.size, cols: graph.nodes[e.from]!.size, data: w[i]! }));
  const records: GatedRecord[] = [];
  const record = (key: { step: number } | { t: number }, loss: number): GatedRecord => {
    const r: GatedRecord = { ...key, loss, ...(problem.evaluate.length ? { evaluations: evaluations(problem, engine.weights)! } : {}), edges: edgeRecords(graph, dense(engine.weights)) };
    records.push(r);
    return r;
  };
  const { state, gradState } = engine;
  if (train.method === 'gd') {
    const at = recordSteps(train.steps, train.recordEvery);
    let next = 0;
    const eta = train.learningRate;
    for (let step = 0; ; step++) {
      const loss = engine.lossAndGradient();
      if (step === at[next]) {
        if (!finite(record({ step }, loss))) return failedAt(records, 'network', `step ${step}`);
        next++;
        options.onRecord?.(next, at.length);
      }
      if (step === train.steps) break;
      for (let i = 0; i < state.length; i++) state[i] -= eta * gradState[i]!;
    }
    return { status: 'ok', engine: 'network', records };
  }
  // Flow: τ dW/dt = −∂L/∂W on the whole weight vector, states only at the output times (no dense history).
  const tau = train.tau;
  const times = train.times;
  const snapshot = (t: number, y: Float64Array): void => {
    state.set(y);
    record({ t }, engine.lossAndGradient());
    options.onRecord?.(records.length, times.length);
  };
  const y0 = state.slice();
  if (times[0] === 0) snapshot(0, y0);
  if (times[times.length - 1]! > 0) {
    const outputTimes = times.filter((t) => t > 0);
    const sol = integrate(
      {
        dimension: state.length,
        autonomous: true,
        rhs: (_t, y, dydt) => {
          state.set(y);
          engine.lossAndGradient();
          for (let i = 0; i < dydt.length; i++) dydt[i] = -gradState[i]! / tau;
        },
        t0: 0,
        y0,
        tEnd: outputTimes[outputTimes.length - 1]!,
      },
      { rtol: NETWORK_RTOL, atol: NETWORK_ATOL, denseOutput: false, outputTimes, onOutput: (_k, t, y) => snapshot(t, y) },
      'dopri5',
    );
    if (sol.status === 'failed') return { status: 'failed', message: sol.message, engine: 'network', records };
  }
  const bad = records.findIndex((r) => !finite(r));
  if (bad >= 0) return failedAt(records.slice(0, bad + 1), 'network', `t = ${records[bad]!.t}`);
  return { status: 'ok', engine: 'network', records };
}

function requireReducible(residual: number, worst: string, field: string, what: string): void {
  if (!(residual <= SHARED_MODE_TOLERANCE)) {
    throw new ValidationError(
      field,
      residual,
      `${what} to ${SHARED_MODE_TOLERANCE} relative for engine "reduced" — the largest off-diagonal entry is ${worst}, ` +
        `residual = max |off-diagonal| / max |entry|; engine "network" has no such condition`,
    );
  }
}

function solveRace(problem: GatedProblem, options: SolveGatedOptions): GatedResult {
  const { graph, train } = problem;
  const a = analyse(problem);
  requireReducible(a.modes.residual, a.modes.worst, 'contexts', 'path statistics diagonal in shared per-node bases (condition A1)');
  let bases: Dense[];
  let start: Float64Array[];
  if (problem.init.kind === 'decoupled') {
    bases = a.bases.slice();
    start = graph.edges.map((e) => new Float64Array(Math.min(graph.nodes[e.to]!.size, graph.nodes[e.from]!.size)).fill((problem.init as { scale: number }).scale));
  } else {
    const ds = decoupledStart(graph, a.modes, initialWeights(problem));
    requireReducible(ds.residual, ds.worst, 'init', 'initial weights of the decoupled form W_e = R_t B_e R_sᵀ (condition A2)');
    bases = ds.bases;
    start = ds.b;
    // The hidden bases change s and d only through the input/output bases, which are the modes' own.
  }
  const modes = bases === a.bases ? a.modes : diagonalise(graph, a.stats, bases);
  const E = graph.edges.length;
  const A = Math.max(...start.map((b) => b.length));
  const constants = modeConstants(problem, bases, A);
  const tau = train.method === 'flow' ? train.tau : 1;
  const races: RaceMode[] = [];
  for (let alpha = 0; alpha < A; alpha++) races.push(raceMode(graph, a.paths, modes, alpha, constants[alpha]!, tau));
  const state = (alpha: number): Float64Array => {
    const y = new Float64Array(E);
    start.forEach((b, e) => (y[e] = b[alpha] ?? 0));
    return y;
  };
  const rest = constants[A] ?? 0;
  const records: GatedRecord[] = [];
  const record = (key: { step: number } | { t: number }, ys: readonly ArrayLike<number>[]): GatedRecord => {
    let loss = rest;
    races.forEach((r, alpha) => (loss += r.lossAt(ys[alpha]!)));
    // c − Σ s b + ½ Σ d b b cancels to round-off of the constant once learned; the loss itself is ≥ 0.
    loss = Math.max(loss, 0);
    const edges: Record<string, { singularValues: number[] }> = {};
    graph.edges.forEach((e, i) => {
      const k = start[i]!.length;
      const sv: number[] = [];
      for (let alpha = 0; alpha < k; alpha++) sv.push(Math.abs(ys[alpha]![i]!));
      edges[e.id] = { singularValues: sv.sort((x, y) => y - x) };
    });
    let evals: number[] | undefined;
    if (problem.evaluate.length) {
      const w = graph.edges.map((e, i) => {
        const k = start[i]!.length;
        const b = new Float64Array(k);
        for (let alpha = 0; alpha < k; alpha++) b[alpha] = ys[alpha]![i]!;
        return decoupledWeight(bases[e.to]!, b, bases[e.from]!).data;
      });
      evals = evaluations(problem, w);
    }
    const r: GatedRecord = { ...key, loss, ...(evals ? { evaluations: evals } : {}), edges };
    records.push(r);
    return r;
  };
  if (train.method === 'gd') {
    const at = recordSteps(train.steps, train.recordEvery);
    const ys = races.map((_, alpha) => state(alpha));
    const g = new Float64Array(E);
    let next = 0;
    for (let step = 0; ; step++) {
      if (step === at[next]) {
        const r = record({ step }, ys);
        if (!finite(r)) return failedAt(records, 'reduced', `step ${step}`);
        next++;
        options.onRecord?.(next, at.length);
      }
      if (step === train.steps) break;
      races.forEach((race, alpha) => {
        const y = ys[alpha]!;
        race.descent(y, g);
        for (let e = 0; e < E; e++) y[e] += train.learningRate * g[e]!;
      });
    }
    return { status: 'ok', engine: 'reduced', records, sharedModeResidual: a.modes.residual };
  }
  const tasks: ModeTask<null>[] = races.map((race, alpha) => ({
    label: () => `mode ${alpha}`,
    model: race.model,
    y0: state(alpha),
    view: () => null,
  }));
  const sol = solveModes(null, tasks, { times: train.times, solver: { method: 'auto', rtol: RACE_RTOL, atol: RACE_ATOL } });
  sol.times.forEach((t, i) => {
    const ys = races.map((_, alpha) => sol.strengths[i]!.map((row) => row[alpha]!));
    const r = record({ t }, ys);
    options.onRecord?.(i + 1, train.times.length);
    void r;
  });
  const bad = records.findIndex((r) => !finite(r));
  if (bad >= 0) return failedAt(records.slice(0, bad + 1), 'reduced', `t = ${records[bad]!.t}`);
  if (sol.status === 'failed') return { status: 'failed', message: sol.message ?? 'the race ODE failed', engine: 'reduced', records, sharedModeResidual: a.modes.residual };
  return { status: 'ok', engine: 'reduced', records, sharedModeResidual: a.modes.residual };
}

/**
 * c_α: the share of the zero network's loss in mode α, ½ Σ_c w_c (1/P_c) Σ_{v target} ‖(U_vᵀ Y_v)_α‖²; index A
 * holds what lies beyond the modes (rows α ≥ A of wide outputs), which no weight can reduce.
 */
function modeConstants(problem: GatedProblem, bases: readonly Dense[], A: number): number[] {
  const out = new Array<number>(A + 1).fill(0);
  for (const c of problem.contexts) {
    const scale = (0.5 * c.weight) / c.items;
    c.targets.forEach((Y, v) => {
      if (Y === null) return;
      const U = bases[v]!;
      for (let a = 0; a < Y.rows; a++) {
        for (let k = 0; k < Y.cols; k++) {
          let s = 0;
          for (let i = 0; i < Y.rows; i++) s += U.data[i * U.cols + a]! * Y.data[i * Y.cols + k]!;
          out[Math.min(a, A)] += scale * s * s;
        }
      }
    });
  }
  return out;
}

export { ComputationError };
