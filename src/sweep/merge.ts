/**
 * Merging shard directories into what one whole run would have written: same spec, the union of the points
 * (a point found twice must be identical), points.jsonl in canonical order, results and plots.
 */
import { join } from 'node:path';
import { pointCount } from './points.ts';
import type { PointRecord } from './run-point.ts';
import { writeResults } from './runner.ts';
import { specToJson, type SweepSpec } from './spec.ts';
import { compactPoints, lockSweepDir, MANIFEST, prepareDir, readManifest, readPoints, SweepStateError, writeAtomic } from './store.ts';
import type { SweepResults } from './results.ts';

export interface MergeSummary {
  readonly spec: SweepSpec;
  readonly points: number;
  readonly total: number;
  readonly complete: boolean;
  readonly results: SweepResults;
}

export async function mergeSweeps(dirs: readonly string[], outDir: string, options: { plots?: boolean; onNotice?: (message: string) => void } = {}): Promise<MergeSummary> {
  if (dirs.length === 0) throw new SweepStateError('merge: no input directories');
  let spec: SweepSpec | undefined;
  let specText = '';
  const merged = new Map<number, PointRecord>();
  for (const dir of dirs) {
    const manifest = readManifest(dir);
    if (manifest === undefined) throw new SweepStateError(`${dir}: no ${MANIFEST}; not a sweep output directory`);
    const text = JSON.stringify(specToJson(manifest.spec));
    if (spec === undefined) {
      spec = manifest.spec;
      specText = text;
    } else if (text !== specText) {
      throw new SweepStateError(`${dir} holds a different sweep from ${dirs[0]} (their ${MANIFEST} specs differ)`);
    }
    for (const [index, record] of readPoints(dir, false, { spec: manifest.spec, shard: manifest.shard })) {
      const seen = merged.get(index);
      if (seen === undefined) merged.set(index, record);
      else if (JSON.stringify(seen) !== JSON.stringify(record)) {
        throw new SweepStateError(`point ${index} differs between input directories (e.g. ${dir}); were they run with different code?`);
      }
    }
  }
  const total = pointCount(spec!);
  prepareDir(outDir);
  const lock = lockSweepDir(outDir, options.onNotice);
  try {
    writeAtomic(join(outDir, MANIFEST), JSON.stringify({ format: 'dln-sweep/1', spec: specToJson(spec!), shard: null }, null, 2) + '\n');
    compactPoints(outDir, merged.values());
    const results = writeResults(spec!, outDir, merged.values());
    const complete = merged.size === total;
    if (complete && options.plots !== false) await (await import('./plots.ts')).renderSweepPlots(spec!, results, outDir);
    return { spec: spec!, points: merged.size, total, complete, results };
  } finally {
    lock.release();
  }
}

