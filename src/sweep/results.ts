/**
 * From point records to the tidy results: one row per (grid cell, measure) with the mean over seeds, its 95%
 * confidence interval and the number of seeds. Rows come in canonical order (cells as in the grid, measures as
 * in the spec) and are computed from points in index order, so the same points always give the same bytes —
 * whichever shards, threads or interruptions produced them.
 */
import { cellCoordinates, cellCount, pointCount, type Coordinates } from './points.ts';
import type { PointRecord } from './run-point.ts';
import { coordinateText, measureColumns, specToJson, type SweepSpec } from './spec.ts';
import { measureOfColumn } from './registry.ts';
import { summarize } from './stats.ts';

export interface ResultRow {
  readonly coords: Coordinates;
  readonly measure: string;
  readonly mean: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly sd: number | null;
  /** Seeds that gave a finite value. */
  readonly seeds: number;
  /** Seeds whose point failed. */
  readonly failed: number;
}

export interface PointFailure {
  readonly index: number;
  readonly coords: Coordinates;
  readonly seed: number;
  readonly message: string;
}

export interface SweepResults {
  readonly format: 'dln-sweep-results/1';
  readonly spec: Record<string, unknown>;
  readonly pointsTotal: number;
  readonly pointsDone: number;
  readonly pointsFailed: number;
  readonly complete: boolean;
  readonly failures: readonly PointFailure[];
  readonly rows: readonly ResultRow[];
}

export function buildResults(spec: SweepSpec, records: Iterable<PointRecord>): SweepResults {
  const byCell = new Map<number, PointRecord[]>();
  let done = 0;
  for (const r of records) {
    done++;
    const list = byCell.get(r.cell);
    if (list) list.push(r);
    else byCell.set(r.cell, [r]);
  }
  const columns = measureColumns(spec);
  const rows: ResultRow[] = [];
  const failures: PointFailure[] = [];
  const cells = cellCount(spec);
  for (let cell = 0; cell < cells; cell++) {
    const list = byCell.get(cell);
    if (list === undefined) continue;
    list.sort((a, b) => a.index - b.index);
    const coords = cellCoordinates(spec, cell);
    const failed = list.filter((r) => r.status === 'failed');
    for (const f of failed) failures.push({ index: f.index, coords, seed: f.seed, message: f.message ?? '' });
    for (const measure of columns) {
      const values = list.flatMap((r) => {
        const v = r.status === 'ok' ? r.values[measure] : null;
        return typeof v === 'number' ? [v] : [];
      });
      const s = summarize(values);
      // A t-interval is symmetric and knows no bounds: near a measure's limit (a share near 1, few seeds) it
      // pokes past what the measure can be. Clipped to the measure's range; the mean and sd are left as they are.
      const [lo, hi] = measureOfColumn(measure)?.clip ?? [-Infinity, Infinity];
      const bound = (v: number | null): number | null => (v === null ? null : Math.min(hi, Math.max(lo, v)));
      rows.push({ coords, measure, mean: s.mean, ciLow: bound(s.ciLow), ciHigh: bound(s.ciHigh), sd: s.sd, seeds: s.n, failed: failed.length });
    }
  }
  const total = pointCount(spec);
  return {
    format: 'dln-sweep-results/1',
    spec: specToJson(spec),
    pointsTotal: total,
    pointsDone: done,
    pointsFailed: failures.length,
    complete: done === total,
    failures,
    rows,
  };
}

const cell = (v: number | null): string => (v === null ? '' : String(v));
/** A label with a comma or quote is quoted (RFC 4180). */
const csvText = (t: string): string => (/[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);

/**
 * Tidy CSV: axis columns, then measure, mean, ci_low, ci_high, sd, seeds, failed. Empty cells are undefined
 * values; a choice axis (a learning rule) shows its label. (results.json keeps the coordinate, the entry's
 * position in the spec's list.)
 */
export function resultsCsv(spec: Pick<SweepSpec, 'axes' | 'choices'>, results: Pick<SweepResults, 'rows'>): string {
  const axes = spec.axes.map((a) => a.name);
  const lines = [[...axes, 'measure', 'mean', 'ci_low', 'ci_high', 'sd', 'seeds', 'failed'].join(',')];
  for (const r of results.rows) {
    lines.push(
      [...axes.map((a) => (r.coords[a] === undefined ? '' : csvText(coordinateText(spec, a, r.coords[a]!)))), r.measure, cell(r.mean), cell(r.ciLow), cell(r.ciHigh), cell(r.sd), r.seeds, r.failed].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
