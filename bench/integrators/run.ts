/**
 * Micro-benchmark (not a test): µs per solve on the two-pathway D = 3 reduced DLN, t ∈ [0, 200],
 * rtol 1e-8, atol 1e-10, over a grid of S ∈ [0.5, 5] and q0 ∈ [0.1, 1].
 *   npx tsx bench/integrators/run.ts [method …]
 * Each method is best timed in its own process (JIT state depends on what ran before), e.g.
 *   for m in auto dopri5 rosenbrock odex; do npx tsx bench/integrators/run.ts $m; done
 */
import { integrators } from '../../src/integrate/index.ts';
import type { MethodName, OdeProblem } from '../../src/integrate/types.ts';
import { dln } from '../../spec/integrate/problems.ts';

const problems: OdeProblem[] = [];
for (const S of [0.5, 1, 2, 3.5, 5]) {
  for (const q0 of [0.1, 0.3, 0.6, 1]) problems.push(dln(S, 0.01, q0, 200, 0.01, 0.8 * q0));
}
const opts = { rtol: 1e-8, atol: 1e-10 };
const all: MethodName[] = ['dopri5', 'dop853', 'auto', 'rosenbrock', 'odex'];
const args = process.argv.slice(2) as MethodName[];
const methods: MethodName[] = args.length > 0 ? args.filter((m) => all.includes(m)) : all;
for (const m of methods) {
  const f = integrators[m];
  let steps = 0;
  let rej = 0;
  let evals = 0;
  let jacs = 0;
  let switched = 0;
  for (const p of problems) {
    const s = f(p, opts);
    if (s.status !== 'ok') throw new Error(`${m}: ${s.message}`);
    steps += s.stats.steps;
    rej += s.stats.rejectedSteps;
    evals += s.stats.rhsEvaluations;
    jacs += s.stats.jacobianEvaluations;
    if (s.stiffFrom !== undefined) switched++;
  }
  const reps = m === 'odex' ? 20 : m === 'dopri5' ? 50 : 400;
  for (let r = 0; r < 5; r++) for (const p of problems) f(p, opts); // warm-up
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) for (const p of problems) f(p, opts);
    times.push(Number(process.hrtime.bigint() - t0) / 1e3 / (reps * problems.length));
  }
  times.sort((a, b) => a - b);
  const np = problems.length;
  console.log(
    `${m.padEnd(11)} ${times[2]!.toFixed(1).padStart(7)} µs/solve (median of 5)  ` +
      `steps ${(steps / np).toFixed(0)} + ${(rej / np).toFixed(1)} rejected, rhs ${(evals / np).toFixed(0)}, ` +
      `jac ${(jacs / np).toFixed(0)}${m === 'auto' ? `, switched ${switched}/${np}` : ''}`,
  );
}
