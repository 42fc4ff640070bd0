/**
 * Phase-diagram sweeps (DESIGN §4): specs, points and seeds, engines, the runner, merging and plots.
 * Generic names carry a Sweep prefix here so the package index can re-export everything without clashes.
 * Plotting (renderSweepPlots, sweepChart in ./plots.ts) is left out: it loads Vega, which would slow every import.
 */
export {
  parseSweepSpec,
  specToJson as sweepSpecToJson,
  measureColumns,
  ENGINES as SWEEP_ENGINES,
  PARAMETERS as SWEEP_PARAMETERS,
  MEASURE_NAMES as SWEEP_MEASURES,
  DEFAULTS as SWEEP_DEFAULTS,
} from './spec.ts';
export type { SweepSpec, Axis as SweepAxis, PlotSpec as SweepPlotSpec, EngineName as SweepEngineName, ParameterName as SweepParameter, MeasureName as SweepMeasure } from './spec.ts';
export { pointAt as sweepPointAt, pointCount as sweepPointCount, cellCoordinates as sweepCellCoordinates, pointSeed as sweepPointSeed, pointParameters as sweepPointParameters, shardIndices } from './points.ts';
export type { SweepPoint, PointParameters as SweepPointParameters, Coordinates as SweepCoordinates } from './points.ts';
export { loadEngine as loadSweepEngine, engineAvailable as sweepEngineAvailable } from './engines.ts';
export type { Engine as SweepEngine, EngineOutcome as SweepEngineOutcome, EngineSettings as SweepEngineSettings } from './engines.ts';
export { runPoint as runSweepPoint } from './run-point.ts';
export type { PointRecord as SweepPointRecord } from './run-point.ts';
export { runSweep, writeResults as writeSweepResults } from './runner.ts';
export type { RunOptions as SweepRunOptions, RunSummary as SweepRunSummary } from './runner.ts';
export { mergeSweeps } from './merge.ts';
export type { MergeSummary as SweepMergeSummary } from './merge.ts';
export { buildResults as buildSweepResults, resultsCsv as sweepResultsCsv } from './results.ts';
export type { SweepResults, ResultRow as SweepResultRow, PointFailure as SweepPointFailure } from './results.ts';
export { parseShard, readPoints as readSweepPoints, readManifest as readSweepManifest, SweepStateError } from './store.ts';
export type { Shard as SweepShard, SweepManifest } from './store.ts';
export type { MeasureValues as SweepMeasureValues } from './measure.ts';
export {
  registerSweepEngine,
  registerSweepParameter,
  registerSweepMeasure,
  sweepEngines,
  sweepParameters,
  sweepMeasures,
  engineOptions as sweepEngineOptions,
} from './registry.ts';
export type {
  SweepEngineRegistration,
  SweepParameterRegistration,
  SweepMeasureRegistration,
  EngineOptionsContext as SweepEngineOptionsContext,
  ParsedSweepSpec,
  ParameterContext as SweepParameterContext,
  MeasureContext as SweepMeasureContext,
  MeasureInput as SweepMeasureInput,
  RegistryGroup as SweepRegistryGroup,
} from './registry.ts';
export type { ProgressMode as SweepProgressMode } from './progress.ts';
export { summarize as summarizeSeeds, studentQuantile975 } from './stats.ts';
export type { Summary as SeedSummary } from './stats.ts';
