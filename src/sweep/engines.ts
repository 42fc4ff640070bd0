/**
 * Loading sweep engines: each engine is a registration (src/sweep/engines/*.ts for the built-ins) whose
 * implementation is loaded on first use, once per thread, so a sweep only pays for (and only needs) the
 * engine it runs. The built-in engines' helpers are re-exported here.
 */
import './builtins.ts';
import { sweepEngine, type SweepEngine, type SweepEngineRegistration } from './registry.ts';
import type { EngineName } from './spec.ts';

export type { EngineOutcome, EngineSettings } from './engine-types.ts';
export { reducedProblem, learningTimeScale, LEARNED_RTOL } from './engines/reduced.ts';
export { flowRecordTimes, networkSpec, recordedLearningTime } from './engines/network.ts';

/** A loaded engine (the registry's `SweepEngine`). */
export type Engine = SweepEngine;

const loaded = new WeakMap<SweepEngineRegistration, Promise<Engine>>();

/** The engine of that name, loaded once per thread; rejects with a ValidationError listing the registered engines if there is none. */
export function loadEngine(name: EngineName): Promise<Engine> {
  let registration: SweepEngineRegistration;
  try {
    registration = sweepEngine(name);
  } catch (err) {
    return Promise.reject(err);
  }
  let engine = loaded.get(registration);
  if (engine === undefined) {
    engine = registration.load();
    loaded.set(registration, engine);
  }
  return engine;
}

/** Whether an engine can be loaded in this checkout (e.g. to pick the demo's engine). */
export async function engineAvailable(name: EngineName): Promise<boolean> {
  try {
    await loadEngine(name);
    return true;
  } catch {
    return false;
  }
}
