/**
 * Benchmark of the reduced-model solver against scipy (bench/README.md says how to run and read it).
 *
 *   npx tsx bench/reduced/run.ts [--processes 3] [--sets balanced,perLayer] [--no-scipy] [--cpu-time] [--verbose]
 *
 * For each problem set (problems.ts: `balanced`, posed as (q, p); `perLayer`, unbalanced layers posed per layer):
 * 1. Writes the seeded set to out/bench/reduced-problems.json (balanced) or reduced-layer-problems.json.
 * 2. Reference per problem: solveReduced with odex at rtol 1e-13, atol 1e-15, cross-checked against dopri5.
 * 3. Accuracy and evaluation counts of every method at rtol 1e-8, atol 1e-10.
 * 4. Time per solve of every method, measured in fresh child processes (this script with --worker), one
 *    process per (method, replicate), because JIT state depends on what ran before.
 * 5. The scipy peer (scipy_peer.py: solve_ivp RK45 and LSODA) on the same JSON problems, when
 *    /usr/bin/python3 has scipy.
 * 6. A table per set, the verdict on the target per set, both sets side by side, and out/bench/reduced.json
 *    with every figure.
 *
 * A timed JS solve is the whole solveReduced call (validation, every mode, read-out at the output times into
 * the result's columns); the worker reads one number of the result through rows(), not the nested
 * strengths[t][a][α] arrays, which are the JSON view built on first use — as scipy's timed solve ends with
 * solve_ivp's state array and the peer's strengths(...).tolist() is outside its timing. Measured figures, per
 * set, before and after issue 18's item 4 work: bench/reduced/README.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MethodName, SolverStats } from '../../src/integrate/types.ts';
import { solveReduced, type ReducedSolution } from '../../src/reduced/solve.ts';
import type { ReducedProblem, ReducedResult } from '../../src/reduced/types.ts';
import { makeLayerProblems, makeProblems, toReducedProblem, writeProblems, type BenchProblem, type ProblemSet, type SetName } from './problems.ts';

const SCRIPT = fileURLToPath(import.meta.url);
const PEER = resolve(dirname(SCRIPT), 'scipy_peer.py');
const ALL_METHODS: readonly MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];
const BENCH_SOLVER = { rtol: 1e-8, atol: 1e-10 } as const;
const REFERENCE_SOLVER = { rtol: 1e-13, atol: 1e-15, maxSteps: 10_000_000 } as const;
/** The target (issue 18, on each set): auto at least this many times faster per solve than scipy LSODA … */
const TARGET_SPEEDUP = 300;
/** … with a max error of at most this times max(S). */
const TARGET_ERROR = 1e-6;
/** The two references must agree to this (relative to max S), far below TARGET_ERROR. */
const REFERENCE_AGREEMENT = 1e-9;
const SCIPY_METHODS = ['RK45', 'LSODA'] as const;
type ScipyMethod = (typeof SCIPY_METHODS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Worker: time one method on every problem, print JSON on stdout.

interface WorkerProblemTiming {
  readonly id: number;
  /** Median over batches of the time per solve, in microseconds. */
  readonly microseconds: number;
  readonly solvesPerBatch: number;
  readonly status: string;
}

interface WorkerOutput {
  readonly method: MethodName;
  readonly timings: WorkerProblemTiming[];
  readonly checksum: number;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? s[(n - 1) / 2]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
}

/** Milliseconds: wall-clock time, or (cpu) this process's CPU time, which leaves out time spent descheduled. */
function clock(cpu: boolean): () => number {
  if (!cpu) return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}

function runWorker(problemsPath: string, method: MethodName, batchMs: number, batches: number, warmupMs: number, cpu: boolean): void {
  const now = clock(cpu);
  const set = JSON.parse(readFileSync(problemsPath, 'utf8')) as ProblemSet;
  const problems: ReducedProblem[] = set.problems.map((p) => toReducedProblem(p, { method, ...BENCH_SOLVER }));
  let checksum = 0;
  const solveOnce = (p: ReducedProblem): ReducedSolution => {
    const r = solveReduced(p);
    // Keep the work observable, reading the result's own columns: the nested strengths[t][a][α] arrays are the
    // JSON view, built on first use, as scipy's t × state array is turned into strengths after its timed solve
    // (scipy_peer.py: `strengths(sol.y).tolist()` is outside the timing).
    const rows = r.rows();
    checksum += rows.strength(rows.length - 1, 0, 0);
    return r;
  };
  // Warm-up: whole passes over the set until warmupMs has passed (at least two passes).
  const warmStart = now();
  for (let pass = 0; pass < 2 || now() - warmStart < warmupMs; pass++) problems.forEach(solveOnce);

  const timings: WorkerProblemTiming[] = problems.map((p, i) => {
    const t0 = now();
    const status = solveOnce(p).status;
    const single = Math.max(now() - t0, 1e-3);
    const solvesPerBatch = Math.max(1, Math.ceil(batchMs / single));
    const perSolve: number[] = [];
    for (let b = 0; b < batches; b++) {
      const start = now();
      for (let k = 0; k < solvesPerBatch; k++) solveOnce(p);
      perSolve.push(((now() - start) * 1000) / solvesPerBatch);
    }
    return { id: set.problems[i]!.id, microseconds: median(perSolve), solvesPerBatch, status };
  });
  const out: WorkerOutput = { method, timings, checksum };
  process.stdout.write(JSON.stringify(out) + '\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Parent.

interface ScipyMethodResult {
  readonly seconds: number;
  readonly secondsMin: number;
  readonly repeats: number;
  readonly nfev: number;
  readonly njev: number;
  readonly nlu: number;
  readonly status: number;
  readonly message: string;
  readonly times: number[];
  readonly strengths: number[][][];
}

interface ScipyOutput {
  readonly python: string;
  readonly numpy: string;
  readonly scipy: string;
  readonly problems: { id: number; methods: Record<ScipyMethod, ScipyMethodResult> }[];
}

/** One row of the final table, and the per-problem figures behind it. */
interface MethodSummary {
  readonly name: string;
  readonly engine: 'js' | 'scipy';
  /** Per problem, µs per solve (JS: median over processes of each process's median). */
  readonly microseconds: number[];
  readonly rhsEvaluations: number[];
  readonly jacobianEvaluations: number[];
  /** Per problem, max |ΔK| / max S against the reference. */
  readonly errors: number[];
  readonly failures: string[];
  /** JS only: the per-process per-problem medians. */
  readonly processMicroseconds?: number[][];
}

function maxRelativeError(
  strengths: readonly (readonly (readonly number[])[])[],
  reference: readonly (readonly (readonly number[])[])[],
  maxS: number,
): number {
  if (strengths.length !== reference.length) return Number.POSITIVE_INFINITY;
  let err = 0;
  for (let t = 0; t < reference.length; t++) {
    for (let a = 0; a < reference[t]!.length; a++) {
      for (let m = 0; m < reference[t]![a]!.length; m++) {
        const d = Math.abs(strengths[t]![a]![m]! - reference[t]![a]![m]!);
        err = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(err, d);
      }
    }
  }
  return err / maxS;
}

const maxOf = (xs: readonly number[]): number => xs.reduce((m, x) => (x > m || Number.isNaN(x) ? x : m), 0);
const sumOf = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
const maxS = (p: BenchProblem): number => Math.max(...p.singularValues);

function log(message: string): void {
  process.stderr.write(message + '\n');
}

function spawnWorker(args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(stdout) : reject(new Error(`worker ${args.join(' ')} exited with code ${String(code)}`)),
    );
  });
}

function runProcess(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const lines = stderr.split('\n');
      stderr = lines.pop() ?? '';
      for (const line of lines) if (line) log(`  ${line}`);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout }));
  });
}

function hasScipy(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import numpy, scipy.integrate'], { stdio: 'ignore' });
  return r.status === 0;
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(digits - 1);
  return x.toPrecision(digits);
}

/** Evaluation counts: integers as integers, otherwise (a median of two) one decimal. */
function fmtCount(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(header), rule, ...rows.map(line)].join('\n');
}

interface RunSettings {
  readonly processes: number;
  readonly methods: readonly MethodName[];
  readonly batchMs: number;
  readonly batches: number;
  readonly warmupMs: number;
  readonly python: string;
  readonly scipyAvailable: boolean;
  readonly scipyMinTime: string;
  readonly verbose: boolean;
  /** Time CPU time of the processes (both sides) instead of wall-clock time. */
  readonly cpuTime: boolean;
}

/** What one problem set's run found: printed as it goes, kept for the side-by-side summary and the JSON. */
interface SetReport {
  readonly name: SetName;
  readonly set: ProblemSet;
  readonly problemsPath: string;
  readonly referenceOk: boolean;
  readonly referenceAgreement: number[];
  readonly referenceWarnings: string[];
  readonly all: MethodSummary[];
  readonly scipy: ScipyOutput | undefined;
  readonly verdict: Verdict | undefined;
}

interface Verdict {
  readonly autoMedian: number;
  readonly lsodaMedian: number;
  readonly medianRatio: number;
  readonly totalRatio: number;
  readonly minRatio: number;
  readonly autoMaxError: number;
  readonly lsodaMaxError: number;
  readonly speedOk: boolean;
  readonly errorOk: boolean;
  readonly met: boolean;
  readonly ratios: number[];
}

async function runSet(set: ProblemSet, problemsPath: string, settings: RunSettings): Promise<SetReport> {
  const name = set.name ?? 'balanced';
  const { processes, methods, batchMs, batches, warmupMs, python } = settings;
  writeProblems(problemsPath, set);
  log(`\n[${name}] ${set.problems.length} problems (seed ${set.seed}) written to ${problemsPath}`);

  // References.
  log(`[${name}] reference solves (odex and dopri5 at rtol 1e-13, atol 1e-15) …`);
  const references: number[][][][] = [];
  const referenceAgreement: number[] = [];
  const referenceWarnings: string[] = [];
  for (const p of set.problems) {
    const odex = solveReduced(toReducedProblem(p, { method: 'odex', ...REFERENCE_SOLVER }));
    const dopri = solveReduced(toReducedProblem(p, { method: 'dopri5', ...REFERENCE_SOLVER }));
    if (odex.status !== 'ok' || dopri.status !== 'ok') {
      referenceWarnings.push(`problem ${p.id}: reference solve failed (odex: ${odex.message ?? 'ok'}; dopri5: ${dopri.message ?? 'ok'})`);
    }
    const agreement = maxRelativeError(dopri.strengths, odex.strengths, maxS(p));
    referenceAgreement.push(agreement);
    if (!(agreement <= REFERENCE_AGREEMENT)) {
      referenceWarnings.push(`problem ${p.id}: odex and dopri5 references differ by ${fmt(agreement)}·max(S)`);
    }
    references.push(odex.strengths);
  }
  for (const w of referenceWarnings) log(`WARNING [${name}]: ${w}`);

  // Accuracy and counts (deterministic: one solve each, in this process).
  const summaries: MethodSummary[] = methods.map((method) => {
    const rhs: number[] = [];
    const jac: number[] = [];
    const errors: number[] = [];
    const failures: string[] = [];
    set.problems.forEach((p, i) => {
      const r = solveReduced(toReducedProblem(p, { method, ...BENCH_SOLVER }));
      const stats: SolverStats = r.stats;
      rhs.push(stats.rhsEvaluations);
      jac.push(stats.jacobianEvaluations);
      errors.push(maxRelativeError(r.strengths, references[i]!, maxS(p)));
      if (r.status !== 'ok') failures.push(`problem ${p.id}: ${r.message ?? r.status}`);
    });
    return { name: method, engine: 'js', microseconds: [], rhsEvaluations: rhs, jacobianEvaluations: jac, errors, failures };
  });

  // scipy peer first, then the JS timings right after it: LSODA and auto are timed in the same run, close in
  // time, so that a change in the machine's load between the two shows as little as it can in the ratio.
  let scipy: ScipyOutput | undefined;
  if (settings.scipyAvailable) {
    log(`[${name}] scipy peer (${python} ${PEER}) …`);
    const r = await runProcess(python, [PEER, problemsPath, '--min-time', settings.scipyMinTime, ...(settings.cpuTime ? ['--cpu-time'] : [])]);
    if (r.code !== 0) throw new Error(`scipy peer exited with code ${String(r.code)}`);
    scipy = JSON.parse(r.stdout) as ScipyOutput;
  }

  // Timings in fresh processes, replicate-major so slow drifts of the machine hit every method alike.
  const perProcess = new Map<MethodName, number[][]>(methods.map((m) => [m, []]));
  for (let rep = 0; rep < processes; rep++) {
    for (const method of methods) {
      log(`[${name}] timing ${method} in fresh process ${rep + 1}/${processes} …`);
      const stdout = await spawnWorker([
        '--worker', method, '--problems-file', problemsPath,
        '--batch-ms', String(batchMs), '--batches', String(batches), '--warmup-ms', String(warmupMs),
        ...(settings.cpuTime ? ['--cpu-time'] : []),
      ]);
      const out = JSON.parse(stdout.trim().split('\n').pop()!) as WorkerOutput;
      perProcess.get(method)!.push(out.timings.map((t) => t.microseconds));
    }
  }
  const jsSummaries: MethodSummary[] = summaries.map((s) => {
    const runs = perProcess.get(s.name as MethodName)!;
    const microseconds = set.problems.map((_, i) => median(runs.map((r) => r[i]!)));
    return { ...s, microseconds, processMicroseconds: runs };
  });

  const scipySummaries: MethodSummary[] = scipy
    ? SCIPY_METHODS.map((method) => {
        const entries = set.problems.map((p, i) => {
          const e = scipy!.problems.find((x) => x.id === p.id)!.methods[method];
          return { p, e, error: maxRelativeError(e.strengths, references[i]!, maxS(p)) };
        });
        return {
          name: `scipy ${method}`,
          engine: 'scipy',
          microseconds: entries.map(({ e }) => e.seconds * 1e6),
          rhsEvaluations: entries.map(({ e }) => e.nfev),
          jacobianEvaluations: entries.map(({ e }) => e.njev),
          errors: entries.map(({ error }) => error),
          failures: entries.filter(({ e }) => e.status !== 0).map(({ p, e }) => `problem ${p.id}: ${e.message}`),
        };
      })
    : [];

  // Report.
  const all = [...jsSummaries, ...scipySummaries];
  const rows = all.map((s) => [
    s.name,
    fmt(median(s.microseconds)),
    fmt(sumOf(s.microseconds) / 1000),
    fmtCount(median(s.rhsEvaluations)),
    fmtCount(median(s.jacobianEvaluations)),
    fmt(maxOf(s.errors), 2),
    String(s.failures.length),
  ]);
  console.log(
    `\n[${name}] Reduced model, ${set.problems.length} problems (seed ${set.seed}), rtol ${BENCH_SOLVER.rtol}, atol ${BENCH_SOLVER.atol}; ` +
      `JS: median of ${processes} fresh processes; ${settings.cpuTime ? 'CPU time' : 'wall-clock time'}; node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}` +
      (scipy ? `; python ${scipy.python}, numpy ${scipy.numpy}, scipy ${scipy.scipy}` : ''),
  );
  const referenceOk = referenceWarnings.length === 0;
  console.log(
    `Reference: odex at rtol 1e-13, atol 1e-15; dopri5 agrees to ${fmt(maxOf(referenceAgreement), 2)}·max(S) (max over problems)` +
      (referenceOk
        ? '.\n'
        : `.\nREFERENCE CHECK FAILED on ${referenceWarnings.length} problem(s) (see the warnings above): the errors below are unreliable.\n`),
  );
  console.log(
    table(
      ['method', 'median µs/solve', 'total ms (all)', 'median RHS evals', 'median Jac evals', 'max err / max(S)', 'failed'],
      rows,
    ),
  );
  for (const s of all) for (const f of s.failures) console.log(`  ${s.name} failed on ${f}`);

  const auto = jsSummaries.find((s) => s.name === 'auto');
  const lsoda = scipySummaries.find((s) => s.name === 'scipy LSODA');
  let verdict: Verdict | undefined;
  if (auto && lsoda) {
    const ratios = set.problems.map((_, i) => lsoda.microseconds[i]! / auto.microseconds[i]!);
    const medianRatio = median(ratios);
    const totalRatio = sumOf(lsoda.microseconds) / sumOf(auto.microseconds);
    const minRatio = Math.min(...ratios);
    const autoError = maxOf(auto.errors);
    const speedOk = medianRatio >= TARGET_SPEEDUP && totalRatio >= TARGET_SPEEDUP;
    const errorOk = autoError <= TARGET_ERROR && auto.failures.length === 0 && referenceOk;
    console.log(
      `\n[${name}] scipy LSODA time / auto time: median over problems ${fmt(medianRatio)}×, ratio of totals ${fmt(totalRatio)}×, ` +
        `smallest per-problem ratio ${fmt(minRatio)}× (problem ${set.problems[ratios.indexOf(minRatio)]!.id}).`,
    );
    console.log(
      `[${name}] Target (auto ≥ ${TARGET_SPEEDUP}× faster per solve than scipy LSODA, max error ≤ ${TARGET_ERROR.toExponential(0)}·max(S)): ` +
        `${speedOk && errorOk ? 'MET' : 'NOT MET'} — speed ${speedOk ? 'ok' : 'short'} ` +
        `(median ${fmt(medianRatio)}×, totals ${fmt(totalRatio)}×), error ${errorOk ? 'ok' : referenceOk ? 'too large' : 'not established (reference check failed)'} (${fmt(autoError, 2)}).`,
    );
    verdict = {
      autoMedian: median(auto.microseconds),
      lsodaMedian: median(lsoda.microseconds),
      medianRatio,
      totalRatio,
      minRatio,
      autoMaxError: autoError,
      lsodaMaxError: maxOf(lsoda.errors),
      speedOk,
      errorOk,
      met: speedOk && errorOk,
      ratios,
    };
    if (settings.verbose) {
      console.log(`\n[${name}] Per problem (µs per solve; error / max(S)):`);
      console.log(
        table(
          ['id', 'M', 'K', 'depths', 't_end', 'auto µs', 'auto RHS', 'auto err', 'LSODA µs', 'LSODA nfev', 'ratio'],
          set.problems.map((p, i) => [
            String(p.id), String(p.depths.length), String(p.singularValues.length), p.depths.join(','),
            String(p.times[p.times.length - 1]), fmt(auto.microseconds[i]!), String(auto.rhsEvaluations[i]),
            fmt(auto.errors[i]!, 2), fmt(lsoda.microseconds[i]!), String(lsoda.rhsEvaluations[i]), fmt(ratios[i]!),
          ]),
        ),
      );
    }
  }
  return { name, set, problemsPath, referenceOk, referenceAgreement, referenceWarnings, all, scipy, verdict };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      processes: { type: 'string', default: '3' },
      methods: { type: 'string', default: ALL_METHODS.join(',') },
      sets: { type: 'string', default: 'balanced,perLayer' },
      count: { type: 'string', default: '40' },
      seed: { type: 'string' },
      'layer-seed': { type: 'string' },
      'batch-ms': { type: 'string', default: '20' },
      batches: { type: 'string', default: '5' },
      'warmup-ms': { type: 'string', default: '500' },
      python: { type: 'string', default: '/usr/bin/python3' },
      'scipy-min-time': { type: 'string', default: '0.2' },
      'no-scipy': { type: 'boolean', default: false },
      'cpu-time': { type: 'boolean', default: false },
      out: { type: 'string', default: 'out/bench/reduced.json' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      // Internal: run as a timing worker.
      worker: { type: 'string' },
      'problems-file': { type: 'string' },
    },
    strict: true,
  });
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new RangeError(`--${name}: got ${String(v)}; allowed: an integer ≥ ${min}`);
    return n;
  };
  const batchMs = Number(values['batch-ms']);
  const batches = int('batches', values.batches, 1);
  const warmupMs = Number(values['warmup-ms']);

  if (values.worker !== undefined) {
    const method = values.worker as MethodName;
    if (!ALL_METHODS.includes(method)) throw new RangeError(`--worker: got ${method}; allowed: ${ALL_METHODS.join(', ')}`);
    runWorker(values['problems-file']!, method, batchMs, batches, warmupMs, values['cpu-time']);
    return;
  }
  if (values.help) {
    console.log(
      'usage: npx tsx bench/reduced/run.ts [--processes 3] [--methods auto,dopri5,rosenbrock,odex] [--sets balanced,perLayer]\n' +
        '         [--count 40] [--seed N] [--layer-seed N] [--batch-ms 20] [--batches 5] [--warmup-ms 500]\n' +
        '         [--python /usr/bin/python3] [--scipy-min-time 0.2] [--no-scipy] [--cpu-time] [--out out/bench/reduced.json] [--verbose]\n' +
        'See bench/README.md.',
    );
    return;
  }

  const processes = int('processes', values.processes, 1);
  const methods = values.methods.split(',').filter(Boolean) as MethodName[];
  for (const m of methods) {
    if (!ALL_METHODS.includes(m)) throw new RangeError(`--methods: got ${m}; allowed: ${ALL_METHODS.join(', ')}`);
  }
  const SET_NAMES: readonly SetName[] = ['balanced', 'perLayer'];
  const setNames = values.sets.split(',').filter(Boolean) as SetName[];
  for (const n of setNames) if (!SET_NAMES.includes(n)) throw new RangeError(`--sets: got ${n}; allowed: ${SET_NAMES.join(', ')}`);
  const count = int('count', values.count, 1);
  const seedOf = (v: string | undefined, name: string): number | undefined => (v === undefined ? undefined : int(name, v, -Number.MAX_SAFE_INTEGER));
  const outPath = resolve(values.out);
  const python = values.python;
  const scipyAvailable = !values['no-scipy'] && hasScipy(python);
  const settings: RunSettings = {
    processes, methods, batchMs, batches, warmupMs, python, scipyAvailable, scipyMinTime: values['scipy-min-time'], verbose: values.verbose,
    cpuTime: values['cpu-time'],
  };

  const reports: SetReport[] = [];
  for (const name of setNames) {
    const set = name === 'balanced' ? makeProblems(seedOf(values.seed, 'seed'), count) : makeLayerProblems(seedOf(values['layer-seed'], 'layer-seed'), count);
    const file = name === 'balanced' ? 'reduced-problems.json' : 'reduced-layer-problems.json';
    reports.push(await runSet(set, resolve(dirname(outPath), file), settings));
  }

  const judged = reports.filter((r) => r.verdict !== undefined);
  if (judged.length > 0) {
    console.log('\nBoth sets side by side (µs per solve: median over problems; ratio: LSODA time / auto time per problem):\n');
    console.log(
      table(
        ['set', 'auto µs/solve', 'LSODA µs/solve', 'median ratio', 'ratio of totals', 'smallest ratio', 'auto max err / max(S)', 'LSODA max err / max(S)', 'target'],
        judged.map((r) => {
          const v = r.verdict!;
          return [
            r.name, fmt(v.autoMedian), fmt(v.lsodaMedian), `${fmt(v.medianRatio)}×`, `${fmt(v.totalRatio)}×`, `${fmt(v.minRatio)}×`,
            fmt(v.autoMaxError, 2), fmt(v.lsodaMaxError, 2), v.met ? 'met' : 'not met',
          ];
        }),
      ),
    );
  } else if (!scipyAvailable && !values['no-scipy']) {
    console.log(
      `\n${python} has no scipy, so there is no scipy comparison. Install it with:\n` +
        '  apt-get update && apt-get install -y python3-scipy        (Debian/Ubuntu; then rerun)',
    );
  }

  mkdirSync(dirname(outPath), { recursive: true });
  const firstScipy = reports.find((r) => r.scipy !== undefined)?.scipy;
  writeFileSync(
    outPath,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        python: firstScipy ? { python: firstScipy.python, numpy: firstScipy.numpy, scipy: firstScipy.scipy } : null,
        settings: { count, processes, batchMs, batches, warmupMs, cpuTime: settings.cpuTime, ...BENCH_SOLVER, reference: REFERENCE_SOLVER },
        target: { speedup: TARGET_SPEEDUP, maxError: TARGET_ERROR },
        sets: reports.map((r) => ({
          name: r.name,
          seed: r.set.seed,
          count: r.set.problems.length,
          problems: r.problemsPath,
          verdict: r.verdict ?? null,
          referenceOk: r.referenceOk,
          referenceAgreement: r.referenceAgreement,
          referenceWarnings: r.referenceWarnings,
          methods: r.all.map((s) => ({
            name: s.name,
            engine: s.engine,
            medianMicroseconds: median(s.microseconds),
            totalMilliseconds: sumOf(s.microseconds) / 1000,
            medianRhsEvaluations: median(s.rhsEvaluations),
            medianJacobianEvaluations: median(s.jacobianEvaluations),
            maxError: maxOf(s.errors),
            failures: s.failures,
            perProblem: r.set.problems.map((p, i) => ({
              id: p.id,
              microseconds: s.microseconds[i],
              rhsEvaluations: s.rhsEvaluations[i],
              jacobianEvaluations: s.jacobianEvaluations[i],
              error: s.errors[i],
              ...(s.processMicroseconds ? { processMicroseconds: s.processMicroseconds.map((x) => x[i]) } : {}),
            })),
          })),
        })),
      },
      null,
      1,
    ) + '\n',
  );
  log(`\nfigures written to ${outPath}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
