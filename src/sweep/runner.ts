/**
 * The sweep runner: runs the points of a sweep (or of one shard) that are not yet on disk, in worker threads,
 * appending each finished point to points.jsonl at once; then writes results.csv, results.json and the plots.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ValidationError } from '../util/errors.ts';
import { pointAt, pointCount, shardIndices } from './points.ts';
import { Progress, type ProgressMode } from './progress.ts';
import { buildResults, resultsCsv, type SweepResults } from './results.ts';
import { registrationModules, sweepEngine } from './registry.ts';
import { runPoint, type PointRecord } from './run-point.ts';
import { specToJson, type SweepSpec } from './spec.ts';
import { compactPoints, openSweepDir, PointLog, readPoints, writeAtomic, type Shard } from './store.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

export interface RunOptions {
  readonly outDir: string;
  readonly shard?: Shard | null;
  /**
   * Worker threads; 0 runs the points in this thread. Default (auto): time a few points here, then use all
   * available cores only if the remaining points would take more than ~2 s on one thread.
   */
  readonly workers?: number;
  readonly progress?: ProgressMode;
  /** Where progress goes (default stderr). */
  readonly progressSink?: { write(text: string): void };
  /** Stops dispatching and ends the workers: finished points are on disk, a rerun resumes. */
  readonly signal?: AbortSignal;
  /** Called after each finished point has been written (e.g. to stop a run after a few points). */
  readonly onPoint?: (record: PointRecord, done: number) => void;
  /** Render plots once the whole sweep is complete (default true; never for a shard: merge its directories). */
  readonly plots?: boolean;
  /** Run again the points recorded as failed (their new records supersede the old lines). */
  readonly retryFailed?: boolean;
  /** Notices that are no error (a stale lock taken over); default: a `dln:` line on stderr. */
  readonly onNotice?: (message: string) => void;
  /** The worker thread's entry module (tests substitute one that crashes). */
  readonly workerScript?: URL;
}

export interface RunSummary {
  /** Points of this run's share of the sweep (all of them, or the shard's). */
  readonly total: number;
  /** Found on disk, not rerun. */
  readonly resumed: number;
  /** Run now. */
  readonly ran: number;
  readonly failed: number;
  /** Every point of this shard (or sweep) is on disk. */
  readonly complete: boolean;
  /** Stopped by the signal before completing. */
  readonly interrupted: boolean;
  readonly elapsedMs: number;
  /** Worker threads used (0: the main thread). */
  readonly workers: number;
  readonly results: SweepResults;
}

export const RESULTS_CSV = 'results.csv';
export const RESULTS_JSON = 'results.json';

/** Auto worker count: points timed on the main thread first, and the remaining work that justifies threads. */
const PROBE_POINTS = 4;
const AUTO_WORKERS_AFTER_MS = 2000;
/**
 * Longest point the auto choice leaves on the main thread: a signal that arrives during a point is handled
 * only after it, and a stop is promised within a second.
 */
export const MAIN_THREAD_POINT_MS = 250;

// Run from source, a worker needs tsx registered before it can load TypeScript (worker-entry.mjs); run from
// the compiled package (dist/, as notebooks do), the worker is plain JavaScript next to this file.
const WORKER_SCRIPT = import.meta.url.endsWith('.ts')
  ? new URL('./worker-entry.mjs', import.meta.url)
  : new URL('./worker.js', import.meta.url);

export async function runSweep(spec: SweepSpec, options: RunOptions): Promise<RunSummary> {
  // NaN here would start no worker and leave the run's promise pending for ever.
  if (options.workers !== undefined && !(Number.isInteger(options.workers) && options.workers >= 0)) {
    throw new ValidationError('workers', options.workers, 'an integer ≥ 0 (0 = this thread)');
  }
  const started = performance.now();
  const shard = options.shard ?? null;
  const lock = openSweepDir(options.outDir, spec, shard, options.onNotice);
  try {
    return await runLocked(spec, options, shard, started);
  } finally {
    lock.release();
  }
}

async function runLocked(spec: SweepSpec, options: RunOptions, shard: Shard | null, started: number): Promise<RunSummary> {
  const records = readPoints(options.outDir, true, { spec, shard });
  const mine = shardIndices(pointCount(spec), shard ?? undefined);
  const todo = mine.filter((i) => !records.has(i) || (options.retryFailed === true && records.get(i)!.status === 'failed'));
  const resumed = mine.length - todo.length;
  const progress = new Progress(todo.length, resumed, options.progress ?? 'off', options.progressSink ?? process.stderr);

  const log = new PointLog(options.outDir);
  let ran = 0;
  let failed = 0;
  const onRecord = (record: PointRecord): void => {
    log.append(record);
    records.set(record.index, record);
    ran++;
    if (record.status === 'failed') failed++;
    progress.tick(record.status === 'failed');
    options.onPoint?.(record, ran);
  };
  let workers = options.workers;
  try {
    let rest = todo;
    if (workers === undefined) {
      // Auto: points run here only while each is quick — a point on this thread cannot be interrupted (its
      // engine is synchronous: SIGTERM's handler waits for it), so a signal is answered within about
      // MAIN_THREAD_POINT_MS. An engine registered with long points goes to workers from the first point;
      // otherwise a few points are timed here, and workers start when one of them (or a later one) is slow,
      // or when the rest would take longer than their start-up (≈ 0.3–1 s each: tsx and the engine) is worth.
      if (sweepEngine(spec.engine).longPoints === true) {
        workers = availableParallelism();
      } else {
        const probe = todo.slice(0, PROBE_POINTS);
        const t0 = performance.now();
        const probed = await runHere(spec, probe, onRecord, options.signal, MAIN_THREAD_POINT_MS);
        const perPoint = (performance.now() - t0) / Math.max(1, probed.done);
        rest = todo.slice(probed.done);
        if (probed.slow || perPoint * rest.length > AUTO_WORKERS_AFTER_MS) {
          workers = availableParallelism();
        } else {
          const here = await runHere(spec, rest, onRecord, options.signal, MAIN_THREAD_POINT_MS);
          rest = rest.slice(here.done);
          workers = here.slow ? availableParallelism() : 0;
        }
      }
    }
    workers = Math.min(workers, rest.length);
    if (workers <= 0) await runHere(spec, rest, onRecord, options.signal);
    else await runInWorkers(spec, rest, workers, onRecord, options.signal, options.workerScript ?? WORKER_SCRIPT);
  } finally {
    log.close();
  }
  const complete = mine.every((i) => records.has(i));
  const interrupted = options.signal?.aborted === true && !complete;
  if (!interrupted) progress.finish();

  if (complete) compactPoints(options.outDir, records.values());
  const results = writeResults(spec, options.outDir, records.values());
  // Plots only of the whole sweep: a shard's cells hold a fraction of the seeds (every k-th point), so its
  // diagrams would show thinner means under a title promising all of them; `dln merge` draws them.
  if (results.complete && options.plots !== false) await (await import('./plots.ts')).renderSweepPlots(spec, results, options.outDir);
  return { total: mine.length, resumed, ran, failed, complete, interrupted, elapsedMs: performance.now() - started, workers: workers ?? 0, results };
}

/** Writes results.csv and results.json for the points given (any order). */
export function writeResults(spec: SweepSpec, dir: string, records: Iterable<PointRecord>): SweepResults {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  const results = buildResults(spec, sorted);
  writeAtomic(join(dir, RESULTS_CSV), resultsCsv(spec, results));
  writeAtomic(join(dir, RESULTS_JSON), JSON.stringify(results, null, 1) + '\n');
  return results;
}

/**
 * Runs points on this thread, yielding to the event loop after each so that a signal's handler (Ctrl-C,
 * SIGTERM) runs and aborts between points. With `slowMs`, stops after the first point that took longer
 * (the caller hands the rest to workers). Returns how many points ran and whether it stopped for a slow one.
 */
async function runHere(
  spec: SweepSpec,
  todo: readonly number[],
  onRecord: (r: PointRecord) => void,
  signal: AbortSignal | undefined,
  slowMs = Infinity,
): Promise<{ done: number; slow: boolean }> {
  let done = 0;
  for (const index of todo) {
    if (signal?.aborted) break;
    const t0 = performance.now();
    onRecord(await runPoint(spec, index));
    done++;
    const slow = performance.now() - t0 > slowMs;
    // setImmediate, not a resolved promise: the signal handler is a macrotask that microtasks never let in.
    await new Promise((resolve) => setImmediate(resolve));
    if (slow) return { done, slow };
  }
  return { done, slow: false };
}

/**
 * Batch size: large enough that message round trips don't dominate tiny points, small enough that the last
 * batches finish together (about 16 batches per worker).
 */
export function batchSize(points: number, workers: number): number {
  return Math.max(1, Math.min(64, Math.ceil(points / (workers * 16))));
}

/** Replacement workers allowed beyond the first ones: a worker that cannot even start must not respawn forever. */
const EXTRA_WORKER_STARTS = 8;

function runInWorkers(
  spec: SweepSpec,
  todo: readonly number[],
  count: number,
  onRecord: (r: PointRecord) => void,
  signal: AbortSignal | undefined,
  script: URL,
): Promise<void> {
  const size = batchSize(todo.length, count);
  const queue: number[][] = [];
  for (let i = 0; i < todo.length; i += size) queue.push(todo.slice(i, i + size));
  return new Promise<void>((resolve, reject) => {
    const live = new Set<Worker>();
    let deaths = 0;
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of live) void w.terminate();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => settle();
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) return settle();

    const start = (): void => {
      const worker = new Worker(script, { workerData: { spec: specToJson(spec), modules: registrationModules() } satisfies WorkerData });
      live.add(worker);
      let inFlight: number[] = [];
      let retired = false;
      let lastError: string | undefined;
      worker.on('message', (message: FromWorker) => {
        if (settled) return;
        if (message.type === 'point') {
          inFlight = inFlight.filter((i) => i !== message.record.index);
          onRecord(message.record);
          return;
        }
        const batch = signal?.aborted ? undefined : queue.shift();
        if (batch !== undefined) {
          inFlight = [...batch];
          worker.postMessage({ indices: batch } satisfies ToWorker);
          return;
        }
        retired = true;
        live.delete(worker);
        void worker.terminate();
        if (live.size === 0) settle();
      });
      worker.on('error', (err) => {
        lastError = err.message;
      });
      worker.on('exit', (code) => {
        if (settled || retired) return;
        // A worker died (crash, out of memory). Points run one at a time in batch order, so the point it was on
        // is the first unfinished one of its batch: record that one as failed, give the rest to a new worker.
        live.delete(worker);
        deaths++;
        const why = lastError ?? `exit code ${code}`;
        if (inFlight.length > 0) {
          onRecord(failedRecord(spec, inFlight[0]!, `worker thread died: ${why}`));
          if (inFlight.length > 1) queue.unshift(inFlight.slice(1));
        }
        if (queue.length === 0) {
          if (live.size === 0) settle();
        } else if (deaths > count + EXTRA_WORKER_STARTS) {
          settle(new Error(`worker threads keep dying (${deaths} so far); last: ${why}`));
        } else {
          start();
        }
      });
    };
    for (let w = 0; w < count; w++) start();
  });
}

function failedRecord(spec: SweepSpec, index: number, message: string): PointRecord {
  const { cell, replicate, coords, seed } = pointAt(spec, index);
  return { index, cell, replicate, coords, seed, status: 'failed', values: {}, message };
}
