/**
 * The on-disk state of a sweep in its output directory:
 *   sweep.json    the validated spec and the shard this directory runs (written once, checked on resume);
 *   points.jsonl  one line per finished point, appended as soon as it finishes (append-only while running).
 * A killed run leaves at worst a torn last line, which is dropped on resume; every complete line is kept, so
 * a resumed run repeats nothing that finished and loses nothing.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, ValidationError } from '../util/errors.ts';
import { isRecord } from '../util/validation.ts';
import { pointAt, pointCount } from './points.ts';
import type { PointRecord } from './run-point.ts';
import { measureColumns, parseSweepSpec, specToJson, type SweepSpec } from './spec.ts';

export interface Shard {
  /** 1-based */
  readonly index: number;
  readonly count: number;
}

export interface SweepManifest {
  readonly format: 'dln-sweep/1';
  readonly spec: SweepSpec;
  readonly shard: Shard | null;
}

export const MANIFEST = 'sweep.json';
export const POINTS = 'points.jsonl';

/**
 * An error caused by the state of the output directory (wrong sweep, corrupt file) or of the inputs of a merge:
 * the user must act, as on bad input — a ValidationError (exit code 2 in the CLI) whose message stands alone.
 */
export class SweepStateError extends ValidationError {
  constructor(message: string, field = 'output directory', value?: unknown, allowed = 'a directory holding this sweep and shard, or a new one') {
    super(field, value, allowed);
    this.name = 'SweepStateError';
    this.message = message;
  }
}

/** `i/k` (1 ≤ i ≤ k) as `--shard` takes it. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) {
    throw new ValidationError('--shard', text, 'i/k with 1 ≤ i ≤ k, e.g. 2/8');
  }
  return { index, count };
}

export function shardText(shard: Shard | null): string {
  return shard === null ? 'whole sweep' : `shard ${shard.index}/${shard.count}`;
}

/**
 * Runs a file-system step on the output directory, turning the system's error (EACCES, ENOSPC, EISDIR, …)
 * into a SweepStateError that says what could not be done and where: the user must act, as on bad input.
 */
export function fsStep<T>(what: string, path: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new SweepStateError(`cannot ${what} ${path}: ${(err as Error).message}`, 'output directory', path, 'a path that can be read and written');
  }
}

/**
 * Creates `dir` (and its missing parents) or checks that it is a writable directory, failing at once with
 * what is wrong. One level at a time instead of mkdirSync's `recursive`: on a path under /proc that returns
 * ENOENT for every level, Node's recursive mkdir retries for ever in one synchronous call (no signal gets
 * through).
 */
export function prepareDir(dir: string): void {
  if (dir === '') throw new SweepStateError('the output directory is an empty path; give one with --out DIR', 'output directory', dir, 'a directory path');
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    const stat = fsStep('inspect', p, () => {
      try {
        return statSync(p, { throwIfNoEntry: false });
      } catch (err) {
        // A file further up (ENOTDIR): found, and named, when the walk reaches it.
        if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw err;
      }
    });
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new SweepStateError(`cannot use ${dir} as the output directory: ${p} is not a directory`, 'output directory', dir, 'a directory path');
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) fsStep('create the directory', p, () => mkdirSync(p));
  fsStep('write to', dir, () => accessSync(target, constants.W_OK));
}

/** Reads a file of the output directory that must be a regular file (a directory of that name is refused). */
function readTextFile(path: string): string {
  return fsStep('read', path, () => {
    if (statSync(path).isDirectory()) throw new SweepStateError(`${path} is a directory, not a file; remove or rename it`, 'output directory', path, 'a regular file');
    return readFileSync(path, 'utf8');
  });
}

export function readManifest(dir: string): SweepManifest | undefined {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return undefined;
  let raw: { format?: unknown; spec?: unknown; shard?: unknown };
  try {
    raw = JSON.parse(readTextFile(path)) as typeof raw;
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new SweepStateError(`${path}: not valid JSON (${(err as Error).message}); the file is corrupt`);
  }
  if (!isRecord(raw) || raw.format !== 'dln-sweep/1') {
    throw new SweepStateError(`${path}: not a dln sweep manifest (format ${describe(isRecord(raw) ? raw.format : raw)})`);
  }
  return { format: 'dln-sweep/1', spec: parseSweepSpec(raw.spec), shard: manifestShard(raw.shard, path) };
}

function manifestShard(value: unknown, path: string): Shard | null {
  if (value === null || value === undefined) return null;
  const s = isRecord(value) ? value : {};
  const index = s['index'];
  const count = s['count'];
  if (!(Number.isSafeInteger(count) && Number.isSafeInteger(index) && (index as number) >= 1 && (index as number) <= (count as number))) {
    throw new SweepStateError(`${path}: shard ${describe(value)} is not { index, count } with 1 ≤ index ≤ count; the file is corrupt`);
  }
  return { index: index as number, count: count as number };
}

/**
 * Prepares `dir` for running `spec` (shard or whole): takes the directory's lock (one run at a time), writes
 * the manifest the first time, and on a rerun checks that it is the same sweep and shard, so a resume never
 * mixes two sweeps' points. Returns the lock, to release when the run ends.
 */
export function openSweepDir(dir: string, spec: SweepSpec, shard: Shard | null, notice?: (message: string) => void): SweepLock {
  prepareDir(dir);
  const lock = lockSweepDir(dir, notice);
  try {
    const existing = readManifest(dir);
    if (existing === undefined) {
      writeAtomic(join(dir, MANIFEST), JSON.stringify({ format: 'dln-sweep/1', spec: specToJson(spec), shard }, null, 2) + '\n');
    } else if (JSON.stringify(existing.spec) !== JSON.stringify(spec)) {
      throw new SweepStateError(`${dir} holds a different sweep (${MANIFEST} differs from this spec); use another --out or remove it`);
    } else if (JSON.stringify(existing.shard) !== JSON.stringify(shard)) {
      throw new SweepStateError(`${dir} holds ${shardText(existing.shard)}, not ${shardText(shard)}; use another --out`);
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}

export const LOCK = 'sweep.lock';

/** Who holds a directory's lock: written into the lock file by the run that took it. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  /**
   * The SLURM job the run was part of (`<array job>_<task>` for an array task), absent outside SLURM: a lock
   * taken on another node cannot be checked by its pid, but squeue can tell whether that job still runs.
   */
  readonly slurmJob?: string;
}

/** A SLURM job id as squeue takes it: `123`, or `123_4` for a task of an array. */
const SLURM_JOB = /^[0-9]+(_[0-9]+)?$/;

/** The SLURM job this process runs in, from the environment slurmd gives a job (undefined outside SLURM). */
export function currentSlurmJob(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const array = env['SLURM_ARRAY_JOB_ID'];
  const task = env['SLURM_ARRAY_TASK_ID'];
  const job = array !== undefined && task !== undefined ? `${array}_${task}` : env['SLURM_JOB_ID'];
  return job !== undefined && SLURM_JOB.test(job) ? job : undefined;
}

/** Job states in which a job's processes may still be running (and writing to its directory). */
const RUNNING_STATES = new Set(['RUNNING', 'COMPLETING', 'CONFIGURING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'RESIZING', 'STAGE_OUT']);

/**
 * Whether a SLURM job's processes may still be running, asked of squeue: false when the controller no longer
 * lists it as running (ended, requeued and waiting, or purged: "Invalid job id"); undefined when squeue cannot
 * tell (not installed, controller unreachable), so the caller keeps to what it can check itself.
 */
export function slurmJobRunning(job: string): boolean | undefined {
  if (!SLURM_JOB.test(job)) return undefined;
  const run = spawnSync('squeue', ['--noheader', '--format=%T', `--jobs=${job}`], { encoding: 'utf8', timeout: 15000 });
  if (run.error !== undefined) return undefined;
  if (run.status !== 0) return /invalid job id/i.test(run.stderr) ? false : undefined;
  return run.stdout.split('\n').some((state) => RUNNING_STATES.has(state.trim()));
}

export interface SweepLock {
  readonly path: string;
  /** Removes the lock file if it is still this run's (idempotent). */
  release(): void;
}

/** A lock file younger than this with no owner written yet is being created, not left behind. */
const LOCK_BIRTH_MS = 5000;

/**
 * Takes `dir`'s lock file, so that a second run on the same output directory is refused instead of running
 * every point twice. A lock whose process is gone (same host: no such pid) was left by a killed run: it is
 * taken over, and `notice` says so. A lock held on another host cannot be checked by its pid: refused, with
 * the file to remove if that run is known to be dead — unless it was taken by a SLURM job that squeue says is
 * no longer running (a task killed on another node, then resubmitted), or by this very job before it was
 * requeued: then it is stale too. A same-host lock whose pid lives but whose SLURM job has ended is a reused
 * pid, also stale.
 */
export function lockSweepDir(dir: string, notice: (message: string) => void = (m) => process.stderr.write(`dln: ${m}\n`)): SweepLock {
  const path = join(dir, LOCK);
  const job = currentSlurmJob();
  // Outside SLURM the lock file is what it always was (no slurmJob key).
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), ...(job === undefined ? {} : { slurmJob: job }) };
  const text = JSON.stringify(me) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    const fd = fsStep('create the lock file', path, () => {
      try {
        return openSync(path, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
        throw err;
      }
    });
    if (fd !== undefined) {
      fsStep('write the lock file', path, () => {
        try {
          writeSync(fd, text);
        } finally {
          closeSync(fd);
        }
      });
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(path, 'utf8') === text) unlinkSync(path);
          } catch {
            // Already gone (removed by hand): nothing to release.
          }
        },
      };
    }
    const held = readLock(path);
    if (held === 'gone') continue;
    if (held === 'young') throw new SweepStateError(`${dir} is being opened by another dln run (its ${LOCK} was just created); use another --out or wait`);
    const owner = held === 'unreadable' ? undefined : held.owner;
    let staleJob = false;
    if (owner !== undefined) {
      const ownerJob = owner.slurmJob;
      if (owner.host !== me.host) {
        // A requeued job runs again under its own id: the lock is its earlier run's, whose processes SLURM ended.
        const running = ownerJob === undefined ? undefined : ownerJob === me.slurmJob ? false : slurmJobRunning(ownerJob);
        if (running === true) {
          throw new SweepStateError(
            `${dir} is in use by SLURM job ${ownerJob} (pid ${owner.pid} on host ${owner.host}, since ${owner.started}); wait for it to end, or use another --out`,
          );
        }
        if (running === undefined) {
          throw new SweepStateError(
            `${dir} is locked by pid ${owner.pid} on host ${owner.host} (since ${owner.started}); if no run is going on there, remove ${path}`,
          );
        }
        staleJob = true;
      } else if (processAlive(owner.pid)) {
        // The pid lives, but if its recorded job has ended the number was reused by an unrelated process.
        const reused = ownerJob !== undefined && ownerJob !== me.slurmJob && owner.pid !== process.pid && slurmJobRunning(ownerJob) === false;
        if (!reused) {
          throw new SweepStateError(`${dir} is in use by another dln run (pid ${owner.pid}, since ${owner.started}); wait for it to end, or use another --out`);
        }
        staleJob = true;
      }
    }
    // Stale: moved aside under a name of our own, so of two runs taking it over only one succeeds.
    const aside = `${path}.stale-${process.pid}`;
    const moved = fsStep('take over the lock file', path, () => {
      try {
        renameSync(path, aside);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    });
    if (!moved) continue;
    const movedText = fsStep('read the lock file', aside, () => readFileSync(aside, 'utf8'));
    fsStep('remove the stale lock file', aside, () => unlinkSync(aside));
    if (held !== 'unreadable' && movedText !== held.text) {
      // Another run took the stale lock over between our read and our rename: what we moved was its lock.
      throw new SweepStateError(`${dir} was just taken by another dln run; use another --out or try again`);
    }
    notice(
      owner === undefined
        ? `${path} was unreadable (left by a run killed while taking it); taking it over`
        : staleJob
          ? `${dir} was locked by SLURM job ${owner.slurmJob} (pid ${owner.pid} on host ${owner.host}, since ${owner.started}), which is no longer running: taking the lock over`
          : `${dir} was locked by pid ${owner.pid} (since ${owner.started}), which is gone: taking the lock over`,
    );
  }
  throw new SweepStateError(`${dir}: could not take ${LOCK} (other runs keep taking it); use another --out`);
}

/** Who holds `dir`'s lock, if anyone (a lock file that is empty, torn or being written names no one). */
export function lockOwner(dir: string): LockOwner | undefined {
  const held = readLock(join(dir, LOCK));
  return typeof held === 'object' ? held.owner : undefined;
}

function readLock(path: string): { readonly owner: LockOwner; readonly text: string } | 'gone' | 'young' | 'unreadable' {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(path, 'utf8');
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw new SweepStateError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const o = JSON.parse(text) as unknown;
    // pid ≥ 1: kill(0 or −1, 0) would ask about a process group or every process.
    if (isRecord(o) && Number.isSafeInteger(o['pid']) && (o['pid'] as number) >= 1 && typeof o['host'] === 'string' && typeof o['started'] === 'string') {
      const job = o['slurmJob'];
      // A job id that is no id is ignored rather than handed to squeue: the lock is then checked as before.
      const slurmJob = typeof job === 'string' && SLURM_JOB.test(job) ? { slurmJob: job } : {};
      return { owner: { pid: o['pid'] as number, host: o['host'], started: o['started'], ...slurmJob }, text };
    }
  } catch {
    // Fall through: not written yet, or torn.
  }
  return ageMs < LOCK_BIRTH_MS ? 'young' : 'unreadable';
}

/** Whether a process of that pid exists on this host (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the records of points.jsonl are checked against: the sweep and the shard the directory runs. */
export interface PointsContext {
  readonly spec: SweepSpec;
  readonly shard: Shard | null;
}

/**
 * The finished points in `dir`, by index. A torn last line (no newline: the run died mid-write) is dropped
 * and, when `repair` is set, cut off the file so that appends start on a fresh line.
 *
 * Every record is checked against the sweep (`against`, else the directory's manifest): its index belongs
 * to the sweep and the shard, its cell, replicate, coordinates and seed are the ones that index has, its
 * values are the spec's measure columns. A line that is valid JSON but no record of this sweep (a copy
 * under another index, a hand edit) would otherwise change a cell's seed count silently; it is refused with
 * its line number. A later line for a point supersedes only a failed one (a retry, --retry-failed); an
 * identical copy is harmless and dropped, a different one refused.
 */
export function readPoints(dir: string, repair = false, against?: PointsContext): Map<number, PointRecord> {
  const path = join(dir, POINTS);
  const records = new Map<number, PointRecord>();
  if (!existsSync(path)) return records;
  const context = against ?? manifestContext(dir);
  const text = readTextFile(path);
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length && repair) fsStep('repair', path, () => truncateSync(path, Buffer.byteLength(text.slice(0, end), 'utf8')));
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  const check = context === undefined ? undefined : recordChecker(context);
  lines.forEach((line, i) => {
    const where = `${path}:${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new SweepStateError(`${where}: not a JSON point record; the file is corrupt`);
    }
    if (!isRecord(parsed) || !(Number.isSafeInteger(parsed['index']) && (parsed['index'] as number) >= 0)) {
      throw new SweepStateError(`${where}: record without a valid index (got ${describe(isRecord(parsed) ? parsed['index'] : parsed)}); the file is corrupt`);
    }
    const problem = check?.(parsed);
    if (problem !== undefined) throw new SweepStateError(`${where}: ${problem}; the file is corrupt or from another sweep`);
    const record = parsed as unknown as PointRecord;
    const seen = records.get(record.index);
    if (seen !== undefined && seen.status !== 'failed' && JSON.stringify(seen) !== JSON.stringify(record)) {
      throw new SweepStateError(`${where}: a second, different record for point ${record.index}, which had already finished; the file is corrupt`);
    }
    records.set(record.index, record);
  });
  return records;
}

function manifestContext(dir: string): PointsContext | undefined {
  const manifest = readManifest(dir);
  return manifest === undefined ? undefined : { spec: manifest.spec, shard: manifest.shard };
}

/** A checker of one parsed line against the sweep: undefined if it is a record of this sweep, else what is wrong. */
function recordChecker({ spec, shard }: PointsContext): (r: Record<string, unknown>) => string | undefined {
  const total = pointCount(spec);
  const columns = new Set(measureColumns(spec));
  return (r) => {
    const index = r['index'] as number;
    if (index >= total) return `point index ${index} is outside the sweep (0 … ${total - 1})`;
    if (shard !== null && index % shard.count !== shard.index - 1) return `point ${index} does not belong to ${shardText(shard)}`;
    const want = pointAt(spec, index);
    if (r['cell'] !== want.cell) return `point ${index} has cell ${describe(r['cell'])}, not ${want.cell}`;
    if (r['replicate'] !== want.replicate) return `point ${index} has replicate ${describe(r['replicate'])}, not ${want.replicate}`;
    if (JSON.stringify(r['coords']) !== JSON.stringify(want.coords)) {
      return `point ${index} has coordinates ${describe(r['coords'])}, not ${JSON.stringify(want.coords)}`;
    }
    if (r['seed'] !== want.seed) return `point ${index} has seed ${describe(r['seed'])}, not ${want.seed}`;
    const status = r['status'];
    if (status !== 'ok' && status !== 'failed') return `point ${index} has status ${describe(status)}, not "ok" or "failed"`;
    const values = r['values'];
    if (!isRecord(values)) return `point ${index} has values ${describe(values)}, not an object`;
    for (const [column, v] of Object.entries(values)) {
      if (!columns.has(column)) return `point ${index} has a value for ${JSON.stringify(column)}, which is no measure column of this sweep`;
      if (!(v === null || (typeof v === 'number' && Number.isFinite(v)))) return `point ${index} has ${column} = ${describe(v)}, not a finite number or null`;
    }
    if (status === 'failed' && typeof r['message'] !== 'string') return `failed point ${index} has no message`;
    return undefined;
  };
}

/** Appends finished points, one line each, with one write per call (O_APPEND): a line is on disk when this returns. */
export class PointLog {
  private readonly fd: number;
  private readonly path: string;
  constructor(dir: string) {
    this.path = join(dir, POINTS);
    this.fd = fsStep('open for appending', this.path, () => openSync(this.path, 'a'));
  }
  append(record: PointRecord): void {
    fsStep('append to', this.path, () => writeSync(this.fd, JSON.stringify(record) + '\n'));
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** Rewrites points.jsonl in canonical (index) order, once a sweep is complete, through a rename (never torn). */
export function compactPoints(dir: string, records: Iterable<PointRecord>): void {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  writeAtomic(join(dir, POINTS), sorted.map((r) => JSON.stringify(r) + '\n').join(''));
}

export function writeAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  fsStep('write', path, () => {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  });
}
