/**
 * Not a benchmark: an exact fingerprint of every method's numbers, to check that a refactor of src/integrate
 * changes no step, no count and no value. Prints, per method, the total steps, rejected steps, right-hand
 * sides and Jacobians over a problem set, and a hash of the bits of every yEnd, dense value, output, event
 * and recorded step. Run it on two trees and compare the output:
 *   npx tsx bench/integrators/fingerprint.ts                       # this tree
 *   npx tsx bench/integrators/fingerprint.ts /tmp/base             # another checkout (its src/integrate)
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const index = await import(pathToFileURL(`${root}/src/integrate/index.ts`).href);
const recorded = await import(pathToFileURL(`${root}/src/integrate/dopri5-recorded.ts`).href);
const problems = await import(pathToFileURL(`${resolve(import.meta.dirname, '../../spec/integrate/problems.ts')}`).href);

const view = new DataView(new ArrayBuffer(8));
let hash = 0x811c9dc5;
function mix(x: number): void {
  view.setFloat64(0, x);
  for (let i = 0; i < 8; i++) hash = Math.imul(hash ^ view.getUint8(i), 16777619) >>> 0;
}
function mixAll(v: ArrayLike<number>): void {
  for (let i = 0; i < v.length; i++) mix(v[i]!);
}

type P = { dimension: number; t0: number; tEnd: number; rhs: unknown; jacobian?: unknown; y0: ArrayLike<number> };
const set: P[] = [];
for (const S of [0.5, 1, 2, 3.5, 5]) {
  for (const q0 of [0.1, 0.3, 0.6, 1]) set.push(problems.dln(S, 0.01, q0, 200, 0.01, 0.8 * q0));
}
set.push(problems.oscillator(1, 0.5, 30), problems.decay(2, 1, 5));
// y' = y², blowing up at t = 1: the failure paths.
set.push({
  dimension: 1,
  rhs: (_t: number, y: Float64Array, dy: Float64Array) => void (dy[0] = y[0]! * y[0]!),
  jacobian: (_t: number, y: Float64Array, j: Float64Array) => void (j[0] = 2 * y[0]!),
  t0: 0,
  y0: [1],
  tEnd: 2,
});
const tols = [
  { rtol: 1e-8, atol: 1e-10 },
  { rtol: 1e-4, atol: 1e-7 },
];

for (const m of ['dopri5', 'dop853', 'auto', 'rosenbrock', 'odex']) {
  hash = 0x811c9dc5;
  const totals = { steps: 0, rejected: 0, rhs: 0, jac: 0, switched: 0 };
  for (const p of set) {
    for (const tol of tols) {
      for (const variant of ['dense', 'outputs', 'events', 'stop'] as const) {
        const times = Array.from({ length: 23 }, (_, k) => p.t0 + ((p.tEnd - p.t0) * k * k) / (22 * 22));
        const options =
          variant === 'dense'
            ? tol
            : variant === 'outputs'
              ? { ...tol, denseOutput: false, outputTimes: times }
              : variant === 'stop'
                ? { ...tol, stopWhen: (t: number) => t > 0.4 * p.tEnd }
                : {
                  ...tol,
                  events: [{ g: (_t: number, y: Float64Array) => y[0]! - 0.5 * p.y0[0]! - 0.01 }, { g: (t: number) => t - 0.3 * p.tEnd, terminal: true }],
                };
        const s = index.integrators[m](p, options);
        totals.steps += s.stats.steps;
        totals.rejected += s.stats.rejectedSteps;
        totals.rhs += s.stats.rhsEvaluations;
        totals.jac += s.stats.jacobianEvaluations;
        if (s.stiffFrom !== undefined) {
          totals.switched++;
          mix(s.stiffFrom);
        }
        mix(s.tReached);
        mixAll(s.yEnd);
        mix(s.status === 'ok' ? 0 : s.status === 'failed' ? 1 : 2);
        if (variant === 'dense' || variant === 'stop') {
          for (const t of times) if (t <= s.tReached) mixAll(s.evaluate(t));
        } else if (variant === 'outputs') {
          mixAll(s.outputs);
        } else {
          for (const e of s.events) {
            mix(e.index);
            mix(e.t);
            mixAll(e.y);
          }
        }
      }
    }
  }
  console.log(`${m.padEnd(11)} steps ${totals.steps} rejected ${totals.rejected} rhs ${totals.rhs} jac ${totals.jac} switched ${totals.switched} hash ${hash.toString(16)}`);
}

for (const controller of ['hairer', 'predictive']) {
  hash = 0x811c9dc5;
  const totals = { steps: 0, rejected: 0, rhs: 0, handedOver: 0 };
  for (const p of set) {
    const q = { ...p, autonomous: true };
    let calls = 0;
    const handOver = { check: (t: number) => (calls++, t > 0.6 * p.tEnd) };
    for (const h of [null, handOver]) {
      const run = recorded.recordDopri5(q.rhs, p.dimension, Float64Array.from(p.y0), p.tEnd, {
        rtol: 1e-8,
        atol: 1e-10,
        maxSteps: 100_000,
        handOver: h,
        controller,
        ...(controller === 'predictive' ? { safety: 0.8, initialStepFactor: 16 } : {}),
      });
      totals.steps += run.stats.steps;
      totals.rejected += run.stats.rejectedSteps;
      totals.rhs += run.stats.rhsEvaluations;
      if (run.status !== 'ok') totals.handedOver++;
      mix(run.tReached);
      mixAll(run.steps.data);
    }
  }
  console.log(`record/${controller.padEnd(10)} steps ${totals.steps} rejected ${totals.rejected} rhs ${totals.rhs} notOk ${totals.handedOver} hash ${hash.toString(16)}`);
}
