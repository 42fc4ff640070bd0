/**
 * Running one point: engine, measures, and a record of the result or of the failure (never a throw). An engine
 * reports a point it cannot compute with a ComputationError; its message is what the record keeps.
 */
import type { Outcome } from '../util/status.ts';
import { loadEngine } from './engines.ts';
import { pointMeasures, type MeasureValues } from './measure.ts';
import { pointAt, pointParameters, type Coordinates } from './points.ts';
import type { SweepSpec } from './spec.ts';

/** One line of points.jsonl. */
export interface PointRecord {
  readonly index: number;
  readonly cell: number;
  readonly replicate: number;
  readonly coords: Coordinates;
  readonly seed: number;
  readonly status: Outcome;
  readonly values: MeasureValues;
  /** Present when status is `failed`. */
  readonly message?: string;
}

export async function runPoint(spec: SweepSpec, index: number): Promise<PointRecord> {
  const point = pointAt(spec, index);
  const base = { index, cell: point.cell, replicate: point.replicate, coords: point.coords, seed: point.seed };
  try {
    const params = pointParameters(spec, point);
    const engine = await loadEngine(spec.engine);
    const outcome = await engine.run(params, spec);
    return { ...base, status: 'ok', values: pointMeasures(spec.measures, params, outcome) };
  } catch (err) {
    return { ...base, status: 'failed', values: {}, message: err instanceof Error ? err.message : String(err) };
  }
}
