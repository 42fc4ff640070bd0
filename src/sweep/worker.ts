/**
 * Worker thread of the sweep runner: receives batches of point indices, runs them one by one and posts each
 * record as soon as it is finished (so the main thread can append it to disk at once), then asks for more.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runPoint } from './run-point.ts';
import { parseSweepSpec } from './spec.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('src/sweep/worker.ts runs only as a worker thread');
const data = workerData as WorkerData;
// Registrations beyond the built-ins (a model folder's engine, parameters, measures) before the spec is read.
for (const url of data.modules ?? []) await import(url);
const spec = parseSweepSpec(data.spec);

// Batches are processed strictly one after another: the main thread sends the next only after `idle`.
port.on('message', (message: ToWorker) => {
  void (async () => {
    for (const index of message.indices) {
      const reply: FromWorker = { type: 'point', record: await runPoint(spec, index) };
      port.postMessage(reply);
    }
    port.postMessage({ type: 'idle' } satisfies FromWorker);
  })();
});
port.postMessage({ type: 'idle' } satisfies FromWorker);
