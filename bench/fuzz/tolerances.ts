/**
 * Which solver tolerances keep every method accurate (issue 13, finding 5). For seeded random problems
 * (bench/reduced/problems.ts) it solves with each method over a grid of rtol (atol = rtol/100 · scale) and of
 * atol (rtol = 1e-8), and reports the worst error of the strengths at every output time against a tight
 * reference, in units of the problem's scale max_α S_α/λ_α, as a multiple of rtol:
 *   npx tsx bench/fuzz/tolerances.ts [count = 20]
 * The reference is the mean of dop853 and rosenbrock at rtol 1e-13 (two independent methods; their spread is
 * printed so its own error is known).
 */
import { solveReduced } from '../../src/reduced/solve.ts';
import { makeProblems, toReducedProblem } from '../reduced/problems.ts';
import type { MethodName } from '../../src/integrate/types.ts';

const count = Number(process.argv[2] ?? 20);
const { problems, seed } = makeProblems(4242, count);
const METHODS: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];

function flat(p: (typeof problems)[number], solver: object): number[] | string {
  try {
    const r = solveReduced(toReducedProblem(p, solver)).toJSON();
    if (r.status !== 'ok') return `failed: ${r.message?.slice(0, 60)}`;
    return r.strengths.flat(2);
  } catch (e) {
    return `threw ${(e as Error).name}: ${(e as Error).message.slice(0, 80)}`;
  }
}

const refs = problems.map((p) => {
  const a = flat(p, { method: 'dop853', rtol: 1e-13, atol: 1e-15 });
  const b = flat(p, { method: 'rosenbrock', rtol: 1e-13, atol: 1e-15 });
  if (typeof a === 'string' || typeof b === 'string') throw new Error(`reference failed: ${a} ${b}`);
  const scale = Math.max(...p.singularValues.map((s, i) => s / p.inputVariances[i]!));
  const spread = Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale;
  return { ref: a.map((v, i) => (v + b[i]!) / 2), scale, spread };
});
console.log(`seed ${seed}, ${count} problems; reference spread (dop853 vs rosenbrock at 1e-13) max ${Math.max(...refs.map((r) => r.spread)).toExponential(2)} · scale`);

function worst(method: MethodName, rtol: number, atolRel: number): string {
  let err = 0;
  let failed = 0;
  for (let i = 0; i < problems.length; i++) {
    const { ref, scale } = refs[i]!;
    const got = flat(problems[i]!, { method, rtol, atol: atolRel * scale });
    if (typeof got === 'string') {
      failed++;
      continue;
    }
    for (let j = 0; j < ref.length; j++) err = Math.max(err, Math.abs(got[j]! - ref[j]!) / scale);
    if (got.some((v) => !Number.isFinite(v))) err = Infinity;
  }
  return `${(err / rtol).toExponential(1)}${failed ? ` (${failed} failed)` : ''}`;
}

console.log('\nA. error / rtol, atol = rtol/100 · scale');
console.log(['rtol', ...METHODS].join('\t'));
for (const rtol of [1e-15, 1e-14, 1e-13, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1]) {
  console.log([rtol.toExponential(0), ...METHODS.map((m) => worst(m, rtol, rtol / 100))].join('\t'));
}
console.log('\nB. error / rtol at rtol = 1e-8, by atol / scale');
console.log(['atol/scale', ...METHODS].join('\t'));
for (const a of [1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1, 1e3, 1e308]) {
  console.log([a.toExponential(0), ...METHODS.map((m) => worst(m, 1e-8, a))].join('\t'));
}
