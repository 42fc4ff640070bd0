/** The measures of one point (DESIGN §2.6) from an engine's outcome. */
import { participation, shares, winnerShare } from '../analysis/measures.ts';
import type { EngineOutcome } from './engines.ts';
import type { PointParameters } from './points.ts';
import type { MeasureName } from './spec.ts';

/** Measure values of a point by column name; null where undefined (no total, learning time not reached). */
export type MeasureValues = Record<string, number | null>;

const finite = (v: number | null | undefined): number | null => (v !== undefined && v !== null && Number.isFinite(v) ? v : null);

export function pointMeasures(
  measures: readonly MeasureName[],
  params: PointParameters,
  outcome: EngineOutcome,
): MeasureValues {
  const K = outcome.strengths.map((k) => [k]);
  const share = shares(K).map((row) => row[0]!);
  const maxDepth = Math.max(...params.depths);
  const deepest = params.depths.flatMap((d, a) => (d === maxDepth ? [a] : []));
  const values: MeasureValues = {};
  for (const m of measures) {
    if (m === 'winnerShare') values[m] = finite(winnerShare(K)[0]);
    else if (m === 'participation') values[m] = finite(participation(K)[0]);
    // Tied deepest pathways split the credit: with equal depths this is 1/M whoever wins.
    else if (m === 'deepestShare') values[m] = finite(deepest.reduce((s, a) => s + share[a]!, 0) / deepest.length);
    else if (m === 'learningTime') values[m] = finite(outcome.learningTime);
    else if (m === 'strengths') outcome.strengths.forEach((k, a) => (values[`strength${a + 1}`] = finite(k)));
    else values[m] = finite(share[Number(m.slice('share'.length)) - 1]);
  }
  return values;
}
