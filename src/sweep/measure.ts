/**
 * The measures of one point (DESIGN §2.6) from an engine's outcome: the built-in registrations (winner share,
 * participation, the deepest pathway's share, learning time, final strengths, per-pathway shares) and
 * `pointMeasures`, which computes whatever measures a spec names from the registry.
 */
import { participation, shares, winnerShare } from '../analysis/measures.ts';
import type { EngineOutcome } from './engine-types.ts';
import { MAX_PATHWAYS } from './parameters.ts';
import type { PointParameters } from './points.ts';
import { ValidationError } from '../util/errors.ts';
import { registerSweepMeasure, sweepMeasure, type RegistryGroup } from './registry.ts';
import type { MeasureName } from './spec.ts';

/** Measure values of a point by column name; null where undefined (no total, learning time not reached). */
export type MeasureValues = Record<string, number | null>;

const finite = (v: number | null | undefined): number | null => (v !== undefined && v !== null && Number.isFinite(v) ? v : null);

/** Shares and concentration live in [0, 1]; winner share and participation between the even split 1/M and 1. */
const UNIT: readonly [number, number] = [0, 1];
const evenToOne = (maxPathways: number): readonly [number, number] => [1 / maxPathways, 1];

registerSweepMeasure({
  name: 'winnerShare',
  meaning: 'max_a K_a / Σ_b K_b: 1/M even, 1 all in one pathway',
  compute: ({ outcome }) => ({ winnerShare: winnerShare(outcome.strengths.map((k) => [k]))[0] }),
  title: () => 'winner share',
  clip: UNIT,
  colourDomain: evenToOne,
});

registerSweepMeasure({
  name: 'participation',
  meaning: '1 / (M Σ_a share_a²): 1 even, 1/M concentrated',
  compute: ({ outcome }) => ({ participation: participation(outcome.strengths.map((k) => [k]))[0] }),
  title: () => 'participation',
  clip: UNIT,
  colourDomain: evenToOne,
});

registerSweepMeasure({
  name: 'deepestShare',
  meaning: 'the share of the deepest pathway (mean over tied deepest pathways: ½ for two equal depths)',
  compute: ({ params, shares: share }) => {
    const maxDepth = Math.max(...params.depths);
    const deepest = params.depths.flatMap((d, a) => (d === maxDepth ? [a] : []));
    // Tied deepest pathways split the credit: with equal depths this is 1/M whoever wins.
    return { deepestShare: deepest.reduce((s, a) => s + share[a]!, 0) / deepest.length };
  },
  title: () => "deeper pathway's share",
  clip: UNIT,
  colourDomain: () => UNIT,
});

registerSweepMeasure({
  name: 'learningTime',
  meaning:
    'first t with Σ_a K_a ≥ f·S (`reduced`: event location on the dense output; `network`: interpolated between records); only with an engine with a time axis',
  compute: ({ outcome }) => ({ learningTime: outcome.learningTime }),
  timeAxis: true,
  title: () => 'learning time',
  logScale: true,
});

registerSweepMeasure({
  name: 'strengths',
  meaning: 'the final K_a',
  columns: (maxPathways) => Array.from({ length: maxPathways }, (_, a) => `strength${a + 1}`),
  columnsText: '`strength1` … `strengthM`',
  ownsColumn: (column) => /^strength\d+$/.test(column),
  compute: ({ outcome }) => Object.fromEntries(outcome.strengths.map((k, a) => [`strength${a + 1}`, k])),
  title: (column) => `final K of pathway ${column.slice('strength'.length)}`,
});

const perPathwayShare: RegistryGroup = { label: `share1 … share${MAX_PATHWAYS}`, meaning: 'the share of pathway K', allowed: 'K ≤ M' };
for (let a = 1; a <= MAX_PATHWAYS; a++) {
  registerSweepMeasure({
    name: `share${a}`,
    meaning: `the share of pathway ${a}`,
    compute: ({ shares: share }) => ({ [`share${a}`]: share[a - 1] }),
    check: ({ field, minPathways }) => {
      if (a > minPathways) throw new ValidationError(field, `share${a}`, `share1 … share${minPathways} (M can be ${minPathways})`);
    },
    title: () => `share of pathway ${a}`,
    clip: UNIT,
    colourDomain: () => UNIT,
    group: perPathwayShare,
  });
}

export function pointMeasures(measures: readonly MeasureName[], params: PointParameters, outcome: EngineOutcome): MeasureValues {
  const input = { params, outcome, shares: shares(outcome.strengths.map((k) => [k])).map((row) => row[0]!) };
  const values: MeasureValues = {};
  for (const m of measures) {
    for (const [column, v] of Object.entries(sweepMeasure(m, 'measure').compute(input))) values[column] = finite(v);
  }
  return values;
}
