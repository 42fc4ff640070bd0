/**
 * Micro-benchmark (not a test) of recordDopri5 as the clock method uses it (predictive controller, safety
 * 0.9, 16× starting step, a hand-over): ns of CPU per recorded run over small autonomous problems, and the
 * exact step totals. With two checkouts, alternates batches of the two in one process (the load of a shared
 * machine falls on both alike):
 *   npx tsx bench/integrators/record.ts [root] [rootB]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const roots = process.argv.length > 2 ? process.argv.slice(2, 4) : ['.'];
const recorders = await Promise.all(
  roots.map(async (root) => (await import(pathToFileURL(`${resolve(root)}/src/integrate/dopri5-recorded.ts`).href)).recordDopri5),
);

type Rhs = (t: number, y: Float64Array, dy: Float64Array) => void;
const cases: { rhs: Rhs; y0: Float64Array; tEnd: number }[] = [];
// Two pathways of depth 3 along a clock-like variable: p' = q² r, q' = p q r, r = S − Σ p q².
for (const S of [0.5, 1, 2, 3.5, 5]) {
  for (const q0 of [0.1, 0.3, 0.6, 1]) {
    const rhs: Rhs = (_t, y, dy) => {
      const r = S - (y[0]! * y[1]! * y[1]! + y[2]! * y[3]! * y[3]!);
      dy[0] = y[1]! * y[1]! * r;
      dy[1] = y[0]! * y[1]! * r;
      dy[2] = y[3]! * y[3]! * r;
      dy[3] = y[2]! * y[3]! * r;
    };
    cases.push({ rhs, y0: Float64Array.from([0.01, q0, 0.01, 0.8 * q0]), tEnd: 40 / S });
  }
}
// y' = y² to 0.95: derivatives that keep growing.
cases.push({ rhs: (_t, y, dy) => void (dy[0] = y[0]! * y[0]!), y0: Float64Array.from([1]), tEnd: 0.95 });

function runAll(recordDopri5: (typeof recorders)[number], totals: number[] | null): void {
  for (const c of cases) {
    let calls = 0;
    const handOver = { check: () => ++calls > 40 };
    const run = recordDopri5(c.rhs, c.y0.length, c.y0, c.tEnd, {
      rtol: 1e-8,
      atol: 1e-10,
      maxSteps: 100_000,
      handOver,
      controller: 'predictive',
      safety: 0.9,
      initialStepFactor: 16,
    });
    if (totals) {
      totals[0] += run.stats.steps;
      totals[1] += run.stats.rejectedSteps;
      totals[2] += run.stats.rhsEvaluations;
    }
  }
}
const reps = 400;
const times = recorders.map(() => [] as number[]);
recorders.forEach((r, i) => {
  const totals = [0, 0, 0];
  runAll(r, totals);
  console.log(`${roots[i]}: steps ${totals[0]} + ${totals[1]} rejected, rhs ${totals[2]}`);
  for (let k = 0; k < 200; k++) runAll(r, null);
});
for (let k = 0; k < 15; k++) {
  recorders.forEach((r, i) => {
    const c0 = process.cpuUsage();
    for (let rep = 0; rep < reps; rep++) runAll(r, null);
    const c = process.cpuUsage(c0);
    times[i]!.push(((c.user + c.system) * 1e3) / (reps * cases.length));
  });
}
times.forEach((t, i) => {
  t.sort((x, y) => x - y);
  console.log(`${roots[i]}: recordDopri5 ${t[0]!.toFixed(0)} ns/run best, ${t[t.length >> 1]!.toFixed(0)} median of ${t.length}`);
});
