/**
 * dln-dynamics/gated: gated deep linear networks and the neural race (Saxe, Sodhani & Lewallen 2022) —
 * the problem format, the full network and the race reduction, the paper's problems as builders (docs/gdln.md).
 */
export { solveGated, initialWeights, analyse, singularValues } from './solve.ts';
export type { GatedRecord, GatedResult, SolveGatedOptions, Analysis } from './solve.ts';
export { parseGatedProblem, parseGraph } from './problem.ts';
export type { GatedProblem, GatedGraph, GatedNode, GatedEdge, GatedContext, GatedInit, GatedTrain, Dense, NodeKind } from './problem.ts';
export { enumeratePaths, pathStatistics, pathGate } from './paths.ts';
export type { GatedPath, PathStatistics } from './paths.ts';
export { findSharedModes, SHARED_MODE_TOLERANCE } from './modes.ts';
export type { SharedModes } from './modes.ts';
export { raceMode, nodeInvariants } from './race.ts';
export type { RaceMode } from './race.ts';
export { routingProblem, routingTrained, kPathGraph, authorsLossFactor, ROUTING_TARGETS } from './routing.ts';
export type { RoutingOptions } from './routing.ts';
export { estimateCost, checkCost, DEFAULT_LIMITS } from './cost.ts';
export type { GatedCost, GatedLimits } from './cost.ts';
export { gatedCsv } from './format.ts';
