/**
 * Sweeps on a SLURM cluster (docs/cluster.md). `dln sweep SPEC --out DIR --slurm K` writes two batch scripts
 * into DIR/slurm/ and submits them: a K-task job array, task i running shard i/K into DIR/shards/i, and a
 * merge job that runs once the whole array has succeeded (`afterok`) and writes into DIR what a whole run
 * would. A shard directory keeps every finished point, so a task run again — requeued after preemption,
 * resubmitted after scancel, a timeout or a dead node — finishes its shard without recomputing anything.
 * Running the same command again submits only the shards that are neither complete nor still queued, and a
 * merge job after those and the queued ones, in place of the earlier merge job (cancelled: one whose array
 * lost a task would wait for ever with "DependencyNeverSatisfied").
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComputationError, describe, ValidationError } from '../util/errors.ts';
import { isRecord } from '../util/validation.ts';
import { pointCount, shardIndices } from './points.ts';
import { sweepEngine } from './registry.ts';
import { estimateShardCost, type ShardCost } from './slurm-cost.ts';
import { arrayRanges, describeSeconds, formatSlurmTime, MAX_ARRAY_TASKS, sbatchOptions, sbatchQuote, shellQuote } from './slurm-flags.ts';
import { specToJson, type SweepSpec } from './spec.ts';
import { fsStep, lockOwner, lockSweepDir, MANIFEST, prepareDir, readManifest, readPoints, SweepStateError, writeAtomic, type Shard } from './store.ts';

export { arrayRanges, describeSeconds, formatSlurmTime, MAX_ARRAY_TASKS, parseCpus, parseSlurmMemory, parseSlurmTime, parseTaskCount, sbatchOptions, shellQuote, splitShellWords } from './slurm-flags.ts';

export const SLURM_DIR = 'slurm';
export const SHARDS_DIR = 'shards';
export const TASK_SCRIPT = 'task.sh';
export const MERGE_SCRIPT = 'merge.sh';
/** The spec the tasks run, as the submission parsed it: editing or moving the user's file later changes nothing. */
export const SPEC_COPY = 'spec.json';
export const SUBMISSIONS = 'submissions.json';
export const LOGS = 'logs';

/** Safety factor on the cost estimate, which is meant to be right within a factor of a few (src/sweep/slurm-cost.ts). */
export const TIME_SAFETY = 3;
/** No task asks for less: a shared filesystem or a busy node can make start-up alone take a minute. */
export const MIN_TIME_SECONDS = 300;
export const MIN_MEMORY_MIB = 1024;
/** Starting node, tsx and the engine: about 2 s on the development machine, allowed a minute on a cluster. */
const START_UP_SECONDS = 60;
/** A `dln sweep` process on the main thread peaked at 105–135 MB resident (GNU time, the examples). */
const PROCESS_MIB = 256;
/** Each worker thread loads tsx and the engine again. */
const WORKER_MIB = 128;
/** A point record as the runner and the merge hold it (points.jsonl lines are ~300 bytes as text). */
const RECORD_BYTES = 4096;
/** Merging reads, checks and writes each point, then renders the plots (a few seconds with Vega). */
const MERGE_SECONDS_PER_POINT = 2e-4;
const PLOT_SECONDS = 60;

const MIB = 1024 * 1024;

export interface SlurmResources {
  readonly timeSeconds: number;
  readonly memoryMiB: number;
  readonly cpus: number;
}

export interface SlurmOptions {
  readonly outDir: string;
  /** K: array tasks, one per shard. */
  readonly tasks: number;
  /** Further sbatch options for both jobs, as one shell-quoted string (`--sbatch "…"`). */
  readonly sbatch?: string;
  /** Overrides of the task's request (the estimate otherwise). */
  readonly timeSeconds?: number;
  readonly memoryMiB?: number;
  readonly cpus?: number;
  /** Progress lines in the task logs (default true). */
  readonly progress?: boolean;
  /** The merge renders the plots (default true). */
  readonly plots?: boolean;
  /** Tasks run failed points again, and a shard holding failed points counts as unfinished. */
  readonly retryFailed?: boolean;
  /** Where the jobs start (default the current directory). */
  readonly cwd?: string;
  /** The node binary and the dln script the jobs run (default: this process's, by absolute path). */
  readonly node?: string;
  readonly dln?: string;
  readonly onNotice?: (message: string) => void;
}

/** Everything the batch scripts are written from. */
export interface SlurmPlan {
  readonly name: string;
  readonly tasks: number;
  readonly points: number;
  /** Absolute output directory. */
  readonly dir: string;
  readonly cwd: string;
  readonly node: string;
  readonly dln: string;
  /** The costliest shard's estimate, which sizes every task. */
  readonly cost: ShardCost;
  readonly task: SlurmResources;
  readonly merge: SlurmResources;
  /** `--workers` of each task. */
  readonly workers: number;
  /**
   * `#SBATCH` lines from `--sbatch`, one option (with its values) a line, after dln's own: in the scripts only,
   * so that submitting by hand (`--slurm-script`) and by dln ask for the same.
   */
  readonly extra: readonly string[];
  readonly progress: boolean;
  readonly plots: boolean;
  readonly retryFailed: boolean;
}

// ——— sizing ———

/** Rounds up to whole minutes (sbatch's smallest unit in most site limits) and to the floor. */
function requestTime(seconds: number): number {
  return Math.max(MIN_TIME_SECONDS, Math.ceil(seconds / 60) * 60);
}

/** Rounds up to 64 MiB and to the floor. */
function requestMemory(mib: number): number {
  return Math.max(MIN_MEMORY_MIB, Math.ceil(mib / 64) * 64);
}

/** Worker threads of a task with `cpus` CPUs: one per CPU; on one CPU the main thread, unless points are long. */
export function taskWorkers(spec: SweepSpec, cpus: number): number {
  if (cpus > 1) return cpus;
  // A long point on the main thread holds off SIGTERM (scancel, the time limit) until it ends; on a worker
  // the run stops at once with its finished points on disk.
  return sweepEngine(spec.engine).longPoints === true ? 1 : 0;
}

/**
 * A task's request from its shard's estimate: the points' seconds spread over the threads, times the safety
 * factor, plus start-up; memory for the process, its threads and the points each thread holds at once.
 */
export function taskResources(cost: ShardCost, cpus: number, workers: number, overrides: { timeSeconds?: number; memoryMiB?: number } = {}): SlurmResources {
  const threads = Math.max(1, workers);
  const seconds = START_UP_SECONDS + (TIME_SAFETY * cost.seconds) / threads;
  const mib = PROCESS_MIB + workers * WORKER_MIB + (TIME_SAFETY * threads * cost.peakPointBytes) / MIB + (cost.points * RECORD_BYTES) / MIB;
  return {
    timeSeconds: overrides.timeSeconds ?? requestTime(seconds),
    memoryMiB: overrides.memoryMiB ?? requestMemory(mib),
    cpus,
  };
}

/** The merge job's request: reading, checking and writing every point, and the plots. */
export function mergeResources(points: number, plots: boolean): SlurmResources {
  const seconds = START_UP_SECONDS + TIME_SAFETY * (points * MERGE_SECONDS_PER_POINT + (plots ? PLOT_SECONDS : 0));
  return { timeSeconds: requestTime(seconds), memoryMiB: requestMemory(PROCESS_MIB + (2 * points * RECORD_BYTES) / MIB), cpus: 1 };
}

/** The dln script this checkout runs (bin/dln.js: tsx and src/cli/main.ts), by absolute path. */
export function dlnScript(): string {
  return fileURLToPath(new URL('../../bin/dln.js', import.meta.url));
}

/** Checks the options against the spec and sizes the jobs; touches nothing on disk. */
export function planSlurmSweep(spec: SweepSpec, options: SlurmOptions): SlurmPlan {
  const points = pointCount(spec);
  const K = options.tasks;
  if (!(Number.isInteger(K) && K >= 1 && K <= MAX_ARRAY_TASKS)) throw new ValidationError('--slurm', K, `an integer 1 … ${MAX_ARRAY_TASKS}`);
  if (K > points) throw new ValidationError('--slurm', K, `at most the sweep's ${points} points (every task gets a shard of at least one point)`);
  const cpus = options.cpus ?? 1;
  const workers = taskWorkers(spec, cpus);
  // Every task gets the same request (one script): that of the costliest shard, field by field.
  const shards = Array.from({ length: K }, (_, i) => estimateShardCost(spec, { index: i + 1, count: K }));
  const cost: ShardCost = {
    points: Math.max(...shards.map((c) => c.points)),
    seconds: Math.max(...shards.map((c) => c.seconds)),
    peakPointBytes: Math.max(...shards.map((c) => c.peakPointBytes)),
    modelled: shards[0]!.modelled,
  };
  const extra = sbatchOptions(options.sbatch);
  const plots = options.plots ?? true;
  const dir = resolve(options.outDir);
  for (const [what, path] of [['--out', dir], ['the current directory', options.cwd ?? process.cwd()]] as const) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(path)) throw new ValidationError(what, path, 'a path without control characters (it goes into #SBATCH lines)');
  }
  return {
    name: spec.name,
    tasks: K,
    points,
    dir,
    cwd: resolve(options.cwd ?? process.cwd()),
    node: options.node ?? process.execPath,
    dln: options.dln ?? dlnScript(),
    cost,
    task: taskResources(cost, cpus, workers, {
      ...(options.timeSeconds === undefined ? {} : { timeSeconds: options.timeSeconds }),
      ...(options.memoryMiB === undefined ? {} : { memoryMiB: options.memoryMiB }),
    }),
    merge: mergeResources(points, plots),
    workers,
    extra,
    progress: options.progress ?? true,
    plots,
    retryFailed: options.retryFailed === true,
  };
}

// ——— scripts ———

/** A log file in `dir` as an `--output` pattern: `%` is sbatch's pattern character (`%A`, `%j`), `%%` a literal one. */
function outputPattern(dir: string, pattern: string): string {
  return sbatchQuote(`${dir.replace(/%/g, '%%')}/${pattern}`);
}

function header(plan: SlurmPlan, name: string, res: SlurmResources, log: string): string[] {
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --time=${formatSlurmTime(res.timeSeconds)}`,
    `#SBATCH --mem=${res.memoryMiB}M`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${res.cpus}`,
    `#SBATCH --output=${outputPattern(join(plan.dir, SLURM_DIR, LOGS), log)}`,
    // A requeued task (preemption) runs again under the same id: its log goes on instead of starting over.
    '#SBATCH --open-mode=append',
  ];
}

/** The two batch scripts: the array task (shard $SLURM_ARRAY_TASK_ID of K) and the merge. */
export function slurmScripts(plan: SlurmPlan): { task: string; merge: string } {
  const q = shellQuote;
  const K = plan.tasks;
  const shards = join(plan.dir, SHARDS_DIR);
  const run = `${q(plan.node)} ${q(plan.dln)}`;
  const task = [
    ...header(plan, `dln-${plan.name}`, plan.task, 'task-%A_%a.out'),
    `#SBATCH --array=1-${K}`,
    ...plan.extra,
    `# dln sweep "${plan.name}" on SLURM, written by dln sweep --slurm ${K} (docs/cluster.md): array task i runs`,
    `# shard i/${K} of the ${plan.points} points into ${shards}/i. Run again, a task resumes its shard from the`,
    `# points on disk; to redo one task: sbatch --array=i this-file (then submit ${MERGE_SCRIPT}, or rerun dln sweep --slurm ${K}).`,
    `# Estimate of the costliest shard: ${plan.cost.points} points, ${describeSeconds(plan.cost.seconds)} on one core${plan.cost.modelled ? " (the engine's cost model)" : ''}.`,
    'set -euo pipefail',
    // The task number is the shard's, whatever array it came in: a resubmitted task 3 still runs shard 3/K.
    `task="\${SLURM_ARRAY_TASK_ID:?run this as an array task (sbatch --array=1-${K}), or set SLURM_ARRAY_TASK_ID to 1 … ${K}}"`,
    `cd ${q(plan.cwd)}`,
    `exec ${run} sweep ${q(join(plan.dir, SLURM_DIR, SPEC_COPY))} --out ${q(shards + '/')}"$task" --shard "$task/${K}" --workers ${plan.workers}` +
      (plan.progress ? '' : ' --no-progress') +
      (plan.retryFailed ? ' --retry-failed' : ''),
    '',
  ].join('\n');
  const merge = [
    ...header(plan, `dln-${plan.name}-merge`, plan.merge, 'merge-%j.out'),
    ...plan.extra,
    `# The merge of dln sweep "${plan.name}": joins ${shards}/1 … ${K} into ${plan.dir} (results.csv, results.json,`,
    '# points.jsonl and the plots, byte for byte what a whole run writes). Submitted with --dependency=afterok on the array.',
    'set -euo pipefail',
    `cd ${q(plan.cwd)}`,
    'shards=()',
    `for ((i = 1; i <= ${K}; i++)); do shards+=(${q(shards + '/')}"$i"); done`,
    `exec ${run} merge "\${shards[@]}" --out ${q(plan.dir)}${plan.plots ? '' : ' --no-plots'}`,
    '',
  ].join('\n');
  return { task, merge };
}

// ——— the output directory ———

export interface SlurmSubmission {
  readonly submitted: string;
  /** The array job of this submission (null: every shard was complete or still queued). */
  readonly array: string | null;
  readonly shards: readonly number[];
  /** Earlier array tasks still queued that the merge waits for, as `<array>_<task>`. */
  readonly after: readonly string[];
  readonly merge: string;
}

interface SubmissionRecord {
  readonly format: 'dln-slurm/1';
  readonly tasks: number;
  readonly spec: unknown;
  readonly submissions: SlurmSubmission[];
}

function readSubmissions(path: string): SubmissionRecord | undefined {
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fsStep('read', path, () => readFileSync(path, 'utf8')));
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new SweepStateError(`${path}: not valid JSON (${(err as Error).message}); the file is corrupt`);
  }
  const subs = isRecord(raw) ? raw['submissions'] : undefined;
  const ok =
    isRecord(raw) &&
    raw['format'] === 'dln-slurm/1' &&
    Number.isSafeInteger(raw['tasks']) &&
    Array.isArray(subs) &&
    subs.every((s) => isRecord(s) && typeof s['merge'] === 'string' && (s['array'] === null || typeof s['array'] === 'string') && Array.isArray(s['shards']) && Array.isArray(s['after']));
  if (!ok) throw new SweepStateError(`${path}: not a dln SLURM submission record (format ${describe(isRecord(raw) ? raw['format'] : raw)}); the file is corrupt`);
  return raw as unknown as SubmissionRecord;
}

/** Whether a shard's directory holds every point of its shard (and, with `retryFailed`, none failed). */
export function shardComplete(dir: string, spec: SweepSpec, shard: Shard, retryFailed: boolean): boolean {
  const manifest = readManifest(dir);
  if (manifest === undefined) return false;
  if (JSON.stringify(specToJson(manifest.spec)) !== JSON.stringify(specToJson(spec)) || JSON.stringify(manifest.shard) !== JSON.stringify(shard)) {
    throw new SweepStateError(`${dir} holds another sweep or shard than shard ${shard.index}/${shard.count} of this one; use another --out`);
  }
  const records = readPoints(dir, false, { spec, shard });
  return shardIndices(pointCount(spec), shard).every((i) => {
    const r = records.get(i);
    return r !== undefined && !(retryFailed && r.status === 'failed');
  });
}

/** Writes the spec copy and both scripts into DIR/slurm/ (and makes DIR/slurm/logs, DIR/shards). */
export function writeSlurmScripts(spec: SweepSpec, plan: SlurmPlan): { task: string; merge: string } {
  const slurm = join(plan.dir, SLURM_DIR);
  for (const d of [plan.dir, slurm, join(slurm, LOGS), join(plan.dir, SHARDS_DIR)]) prepareDir(d);
  writeAtomic(join(slurm, SPEC_COPY), JSON.stringify(specToJson(spec), null, 2) + '\n');
  const scripts = slurmScripts(plan);
  const paths = { task: join(slurm, TASK_SCRIPT), merge: join(slurm, MERGE_SCRIPT) };
  for (const which of ['task', 'merge'] as const) {
    writeAtomic(paths[which], scripts[which]);
    // Executable, so that a plain shell can run a task too (SLURM_ARRAY_TASK_ID=3 DIR/slurm/task.sh).
    fsStep('make executable', paths[which], () => chmodSync(paths[which], 0o755));
  }
  return paths;
}

/** Refuses an output directory that holds another sweep, or a SLURM run of this one in another number of shards. */
function checkOutDir(spec: SweepSpec, plan: SlurmPlan): SubmissionRecord | undefined {
  const manifest = readManifest(plan.dir);
  if (manifest !== undefined && (JSON.stringify(specToJson(manifest.spec)) !== JSON.stringify(specToJson(spec)) || manifest.shard !== null)) {
    throw new SweepStateError(`${plan.dir} holds a different sweep (${MANIFEST} differs from this spec); use another --out or remove it`);
  }
  const record = readSubmissions(join(plan.dir, SLURM_DIR, SUBMISSIONS));
  if (record !== undefined && JSON.stringify(record.spec) !== JSON.stringify(specToJson(spec))) {
    throw new SweepStateError(`${plan.dir} holds a SLURM run of a different sweep (${SLURM_DIR}/${SUBMISSIONS}); use another --out`);
  }
  if (record !== undefined && record.tasks !== plan.tasks) {
    throw new SweepStateError(`${plan.dir} holds a SLURM run in ${record.tasks} shards, not ${plan.tasks}; rerun with --slurm ${record.tasks}, or use another --out`);
  }
  return record;
}

/** Writes the scripts only (`--slurm-script`), for clusters that need them edited before submitting. */
export function writeSlurmSweep(spec: SweepSpec, options: SlurmOptions): { plan: SlurmPlan; task: string; merge: string } {
  const plan = planSlurmSweep(spec, options);
  prepareDir(plan.dir);
  const lock = lockSweepDir(plan.dir, options.onNotice);
  try {
    checkOutDir(spec, plan);
    return { plan, ...writeSlurmScripts(spec, plan) };
  } finally {
    lock.release();
  }
}

// ——— submitting ———

function runTool(tool: string, args: readonly string[]): string {
  const run = spawnSync(tool, args, { encoding: 'utf8', timeout: 120000 });
  if (run.error !== undefined) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ComputationError(
      missing
        ? `${tool} not found on PATH: is this a SLURM login node? (--slurm-script writes the batch scripts without submitting)`
        : `${tool} ${args.join(' ')}: ${run.error.message}`,
    );
  }
  if (run.status !== 0) throw new ComputationError(`${tool} ${args.join(' ')} exited with ${run.status ?? run.signal}: ${run.stderr.trim() || run.stdout.trim()}`);
  return run.stdout;
}

/** sbatch --parsable prints "jobid" or "jobid;cluster". */
function submit(args: readonly string[]): string {
  const out = runTool('sbatch', ['--parsable', ...args]);
  const id = out.trim().split('\n').pop()!.split(';')[0]!.trim();
  if (!/^\d+$/.test(id)) throw new ComputationError(`sbatch printed ${JSON.stringify(out.trim())}, not a job id`);
  return id;
}

/** States in which an array task will still run or is running: the merge can wait for it instead of a resubmission. */
const QUEUED_STATES = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'STOPPED', 'SIGNALING', 'STAGE_OUT']);

/** The listed jobs' states by id (array tasks as `<array>_<task>`), from squeue; purged jobs are absent. */
function jobStates(ids: readonly string[]): Map<string, string> {
  const states = new Map<string, string>();
  if (ids.length === 0) return states;
  const run = spawnSync('squeue', ['--noheader', '--array', '--format=%i|%T', `--jobs=${ids.join(',')}`], { encoding: 'utf8', timeout: 60000 });
  if (run.error !== undefined) throw new ComputationError(`squeue: ${run.error.message} (needed to see which tasks of the earlier submission are still queued)`);
  // One id the controller has forgotten makes squeue fail; several are filtered silently.
  if (run.status !== 0 && !/invalid job id/i.test(run.stderr)) throw new ComputationError(`squeue exited with ${run.status}: ${run.stderr.trim()}`);
  for (const line of run.status === 0 ? run.stdout.split('\n') : []) {
    const [id, state] = line.trim().split('|');
    if (id !== undefined && state !== undefined && id !== '') states.set(id, state);
  }
  return states;
}

export interface SlurmSummary {
  readonly plan: SlurmPlan;
  readonly task: string;
  readonly merge: string;
  /** Shards complete on disk before this submission. */
  readonly complete: readonly number[];
  /** Earlier tasks still queued or running, which the merge waits for. */
  readonly after: readonly string[];
  /** Shards submitted now, and their array job. */
  readonly submitted: readonly number[];
  readonly arrayJob: string | null;
  /** Earlier merge jobs cancelled in favour of the new one. */
  readonly cancelled: readonly string[];
  readonly mergeJob: string;
}

/**
 * Writes the scripts and submits what is left to do: the shards neither complete on disk nor queued from an
 * earlier submission as one array, and a merge job after that array and the queued tasks.
 */
export function submitSlurmSweep(spec: SweepSpec, options: SlurmOptions): SlurmSummary {
  const plan = planSlurmSweep(spec, options);
  prepareDir(plan.dir);
  const notice = options.onNotice ?? ((m: string): void => void process.stderr.write(`dln: ${m}\n`));
  const lock = lockSweepDir(plan.dir, notice);
  try {
    const record = checkOutDir(spec, plan);
    const paths = writeSlurmScripts(spec, plan);
    const K = plan.tasks;
    const complete: number[] = [];
    const incomplete: number[] = [];
    for (let i = 1; i <= K; i++) {
      (shardComplete(join(plan.dir, SHARDS_DIR, String(i)), spec, { index: i, count: K }, plan.retryFailed) ? complete : incomplete).push(i);
    }
    const earlier = record?.submissions ?? [];
    // The job that may still be running shard i: the newest submission of it, or — submitted by hand, say —
    // the SLURM job named in the shard's lock.
    const candidates = incomplete.map((i) => {
      const last = [...earlier].reverse().find((s) => s.array !== null && s.shards.includes(i));
      const locked = lockOwner(join(plan.dir, SHARDS_DIR, String(i)))?.slurmJob;
      return { shard: i, task: last === undefined ? undefined : `${last.array}_${i}`, locked };
    });
    // Asking for an array lists its tasks: the recorded tasks need no ids of their own.
    const ids = [...earlier.flatMap((s) => [s.array ?? '', s.merge]), ...candidates.map((c) => c.locked ?? '')].filter((id) => id !== '');
    const states = jobStates([...new Set(ids)]);
    const after: string[] = [];
    const todo: number[] = [];
    for (const { shard, task, locked } of candidates) {
      const queued = [task, locked].find((id) => id !== undefined && QUEUED_STATES.has(states.get(id) ?? ''));
      if (queued !== undefined) after.push(queued);
      else todo.push(shard);
    }
    // Still queued, an earlier merge would run a second merge, or wait for ever on a lost task.
    const cancelled = [...new Set(earlier.map((s) => s.merge))].filter((id) => states.has(id));
    if (cancelled.length > 0) {
      try {
        runTool('scancel', cancelled);
      } catch (err) {
        notice(`could not cancel the earlier merge job(s) ${cancelled.join(', ')}: ${(err as Error).message}`);
      }
    }
    const submissions = [...earlier];
    const save = (): void =>
      writeAtomic(join(plan.dir, SLURM_DIR, SUBMISSIONS), JSON.stringify({ format: 'dln-slurm/1', tasks: K, spec: specToJson(spec), submissions }, null, 1) + '\n');
    const arrayJob = todo.length === 0 ? null : submit([`--array=${arrayRanges(todo)}`, paths.task]);
    const deps = [...(arrayJob === null ? [] : [arrayJob]), ...after];
    let mergeJob: string;
    try {
      mergeJob = submit([...(deps.length === 0 ? [] : [`--dependency=afterok:${deps.join(':')}`]), paths.merge]);
    } catch (err) {
      // The array runs regardless: recorded, a rerun waits for its tasks instead of submitting them twice.
      if (arrayJob !== null) {
        submissions.push({ submitted: new Date().toISOString(), array: arrayJob, shards: todo, after, merge: '' });
        save();
        throw new ComputationError(`${(err as Error).message} (the array job ${arrayJob} was submitted; rerun the same command to submit the merge)`);
      }
      throw err;
    }
    submissions.push({ submitted: new Date().toISOString(), array: arrayJob, shards: todo, after, merge: mergeJob });
    save();
    return { plan, ...paths, complete, after, submitted: todo, arrayJob, cancelled, mergeJob };
  } finally {
    lock.release();
  }
}
