/** Messages between the sweep runner and its worker threads. */
import type { PointRecord } from './run-point.ts';

export interface ToWorker {
  readonly indices: readonly number[];
}

export type FromWorker = { readonly type: 'point'; readonly record: PointRecord } | { readonly type: 'idle' };

/** What a worker thread starts with: the spec in its JSON form, and the registering modules to import first. */
export interface WorkerData {
  readonly spec: Record<string, unknown>;
  /** URLs of modules that register engines, parameters or measures beyond the built-ins (src/sweep/registry.ts). */
  readonly modules: readonly string[];
}
