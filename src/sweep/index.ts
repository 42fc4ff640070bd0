/** Phase-diagram sweeps (DESIGN §4): specs, points and seeds, engines, the runner, merging and plots. */
export { parseSweepSpec, specToJson, measureColumns, ENGINES, PARAMETERS, MEASURE_NAMES, DEFAULTS } from './spec.ts';
export type { SweepSpec, Axis, PlotSpec, EngineName, ParameterName, MeasureName } from './spec.ts';
export { pointAt, pointCount, cellCount, cellCoordinates, pointSeed, pointParameters, shardIndices } from './points.ts';
export type { SweepPoint, PointParameters, Coordinates } from './points.ts';
export { loadEngine, engineAvailable, reducedProblem, learningTimeScale } from './engines.ts';
export type { Engine, EngineOutcome, EngineSettings } from './engines.ts';
export { runPoint } from './run-point.ts';
export type { PointRecord } from './run-point.ts';
export { runSweep, writeResults, RESULTS_CSV, RESULTS_JSON } from './runner.ts';
export type { RunOptions, RunSummary } from './runner.ts';
export { mergeSweeps } from './merge.ts';
export type { MergeSummary } from './merge.ts';
export { buildResults, resultsCsv } from './results.ts';
export type { SweepResults, ResultRow, PointFailure } from './results.ts';
export { renderSweepPlots, sweepChart, defaultPlots } from './plots.ts';
export { parseShard, readPoints, readManifest, SweepStateError } from './store.ts';
export type { Shard } from './store.ts';
export { summarize, studentQuantile975 } from './stats.ts';
