/**
 * `npm run demo`: the package's main job on built-in problems, written to out/demo/ (or --out DIR):
 *   - one two-pathway reduced solve: the problem, the result, a tidy CSV of K_aα(t), a PNG/SVG plot;
 *   - three phase diagrams (issue 5), each a sweep of examples/sweep-*.json with its figures and CSV:
 *     (a) winner share over depth and σ, (b) the deeper pathway's share over (D₁, D₂) at small and large σ,
 *     (c) winner share over width and depth;
 *   - summary.md: what the diagrams show, checked against the theory (the checks in src/cli/demo-sweeps.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { strengthsChart } from '../plot/charts.ts';
import { renderVegaLite } from '../plot/render.ts';
import { solveReduced } from '../reduced/solve.ts';
import type { ReducedProblem } from '../reduced/types.ts';
import { strengthsCsv } from './format.ts';
import { runDemoSweeps } from './demo-sweeps.ts';

/** Two depth-4 pathways from a wide-Gaussian start: deep enough that each mode concentrates in one pathway. */
export const DEMO_PROBLEM: ReducedProblem = {
  singularValues: [4, 2, 1],
  depths: [4, 4],
  tau: 1,
  init: { wideGaussian: { sigma: 0.6, width: 100, seed: 1 } },
  times: Array.from({ length: 161 }, (_, i) => i * 0.05),
  solver: { method: 'auto', rtol: 1e-8, atol: 1e-10 },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'out/demo' }, workers: { type: 'string' }, engine: { type: 'string' } },
  });
  const outDir = values.out!;
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  const solution = solveReduced(DEMO_PROBLEM);
  const elapsedMs = performance.now() - started;
  const result = solution.toJSON();
  if (result.status !== 'ok') throw new Error(`demo solve failed: ${result.message}`);

  writeFileSync(join(outDir, 'problem.json'), JSON.stringify(DEMO_PROBLEM, null, 2) + '\n');
  writeFileSync(join(outDir, 'result.json'), JSON.stringify(result) + '\n');
  const csv = strengthsCsv(result);
  writeFileSync(join(outDir, 'strengths.csv'), csv);

  const rows = result.times.flatMap((t, i) =>
    result.strengths[i]!.flatMap((row, pathway) => row.map((strength, mode) => ({ t, pathway, mode, strength }))),
  );
  const { svg, png } = await renderVegaLite(
    strengthsChart(rows, { title: 'Mode strengths K_aα(t): two depth-4 pathways, S = (4, 2, 1)' }),
  );
  writeFileSync(join(outDir, 'strengths.svg'), svg);
  writeFileSync(join(outDir, 'strengths.png'), png);

  const final = result.strengths[result.strengths.length - 1]!;
  const lines = [
    '# dln-dynamics demo',
    '',
    '## One solve: two depth-4 pathways',
    '',
    `Problem: ${JSON.stringify({ ...DEMO_PROBLEM, times: `[0 … ${DEMO_PROBLEM.times.at(-1)}] (${DEMO_PROBLEM.times.length} points)` })}`,
    '',
    `Solved in ${elapsedMs.toFixed(1)} ms: ${result.stats.steps} steps, ${result.stats.rejectedSteps} rejected, ` +
      `${result.stats.rhsEvaluations} right-hand-side and ${result.stats.jacobianEvaluations} Jacobian evaluations.`,
    '',
    '| mode | S | K of pathway 0 | K of pathway 1 | share of pathway 0 |',
    '|---|---|---|---|---|',
    ...DEMO_PROBLEM.singularValues.map((S, m) => {
      const k0 = final[0]![m]!;
      const k1 = final[1]![m]!;
      return `| ${m} | ${S} | ${k0.toFixed(4)} | ${k1.toFixed(4)} | ${(k0 / (k0 + k1)).toFixed(3)} |`;
    }),
    '',
    `Final loss ${result.loss[result.loss.length - 1]!.toExponential(3)} (initial ${result.loss[0]!.toFixed(3)}).`,
    '',
    'Files: problem.json, result.json, strengths.csv (t, pathway, mode, strength), strengths.png, strengths.svg.',
  ];
  const sweeps = await runDemoSweeps(outDir, {
    ...(values.workers === undefined ? {} : { workers: Number(values.workers) }),
    ...(values.engine === undefined ? {} : { engine: values.engine }),
  });
  lines.push('', ...sweeps);
  writeFileSync(join(outDir, 'summary.md'), lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + `\n\nWrote ${outDir}/\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
