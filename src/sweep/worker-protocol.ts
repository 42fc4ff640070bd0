/** Messages between the sweep runner and its worker threads. */
import type { PointRecord } from './run-point.ts';

export interface ToWorker {
  readonly indices: readonly number[];
}

export type FromWorker = { readonly type: 'point'; readonly record: PointRecord } | { readonly type: 'idle' };
