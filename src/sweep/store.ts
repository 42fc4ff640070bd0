/**
 * The on-disk state of a sweep in its output directory:
 *   sweep.json    the validated spec and the shard this directory runs (written once, checked on resume);
 *   points.jsonl  one line per finished point, appended as soon as it finishes (append-only while running).
 * A killed run leaves at worst a torn last line, which is dropped on resume; every complete line is kept, so
 * a resumed run repeats nothing that finished and loses nothing.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../util/errors.ts';
import type { PointRecord } from './run-point.ts';
import { parseSweepSpec, specToJson, type SweepSpec } from './spec.ts';

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

export function readManifest(dir: string): SweepManifest | undefined {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return undefined;
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown; spec?: unknown; shard?: Shard | null };
  if (raw.format !== 'dln-sweep/1') throw new SweepStateError(`${path}: not a dln sweep manifest (format ${JSON.stringify(raw.format)})`);
  return { format: 'dln-sweep/1', spec: parseSweepSpec(raw.spec), shard: raw.shard ?? null };
}

/**
 * Prepares `dir` for running `spec` (shard or whole): writes the manifest the first time, and on a rerun
 * checks that it is the same sweep and shard, so a resume never mixes two sweeps' points.
 */
export function openSweepDir(dir: string, spec: SweepSpec, shard: Shard | null): void {
  mkdirSync(dir, { recursive: true });
  const existing = readManifest(dir);
  if (existing === undefined) {
    writeAtomic(join(dir, MANIFEST), JSON.stringify({ format: 'dln-sweep/1', spec: specToJson(spec), shard }, null, 2) + '\n');
    return;
  }
  if (JSON.stringify(existing.spec) !== JSON.stringify(spec)) {
    throw new SweepStateError(`${dir} holds a different sweep (${MANIFEST} differs from this spec); use another --out or remove it`);
  }
  if (JSON.stringify(existing.shard) !== JSON.stringify(shard)) {
    throw new SweepStateError(`${dir} holds ${shardText(existing.shard)}, not ${shardText(shard)}; use another --out`);
  }
}

/**
 * The finished points in `dir`, by index. A torn last line (no newline: the run died mid-write) is dropped
 * and, when `repair` is set, cut off the file so that appends start on a fresh line.
 */
export function readPoints(dir: string, repair = false): Map<number, PointRecord> {
  const path = join(dir, POINTS);
  const records = new Map<number, PointRecord>();
  if (!existsSync(path)) return records;
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length && repair) truncateSync(path, Buffer.byteLength(text.slice(0, end), 'utf8'));
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    let record: PointRecord;
    try {
      record = JSON.parse(line) as PointRecord;
    } catch {
      throw new SweepStateError(`${path}:${i + 1}: not a JSON point record; the file is corrupt`);
    }
    if (!Number.isInteger(record.index)) throw new SweepStateError(`${path}:${i + 1}: record without an index`);
    // A later line for the same point is a retry of a failed one (--retry-failed): it supersedes.
    records.set(record.index, record);
  });
  return records;
}

/** Appends finished points, one line each, with one write per call (O_APPEND): a line is on disk when this returns. */
export class PointLog {
  private readonly fd: number;
  constructor(dir: string) {
    this.fd = openSync(join(dir, POINTS), 'a');
  }
  append(record: PointRecord): void {
    writeSync(this.fd, JSON.stringify(record) + '\n');
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
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
