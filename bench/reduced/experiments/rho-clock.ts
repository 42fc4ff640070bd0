/**
 * An experiment, kept so that docs/reduced-model.md's figures can be reproduced (issue 18, session 17): accepted
 * DOPRI5 steps per mode along the clock w (what `auto` does, read from solveModeOnClock's stats) against a
 * prototype that integrates the x-trajectory in the residual instead, dx/ds = (dx/dw)/γ with s = ρ₀ − ρ, and a
 * hybrid (w until ρ ≤ F·ρ₀, then ρ). The prototype reaches into the clock's internals and is not a solver.
 *
 *   npx tsx bench/reduced/experiments/rho-clock.ts        env: F=0.15 (hybrid switch), CTRL=hairer, ISF=1, DETAIL=1
 */
import { makeProblems, makeLayerProblems, toReducedProblem } from '../problems.ts';
import { parseReducedProblem } from '../../../src/reduced/problem.ts';
import { halvedModeModel, perLayerHalvedModel } from '../../../src/reduced/halved.ts';
import { solveModeOnClock } from '../../../src/reduced/clock.ts';
import { recordDopri5 } from '../../../src/integrate/dopri5-recorded.ts';

const RTOL = 1e-8, ATOL = 1e-10;
const controller = (process.env.CTRL ?? 'predictive') as 'predictive' | 'hairer';
const isf = Number(process.env.ISF ?? 16);
const safety = Number(process.env.SAFETY ?? 0.9);
function med(a: number[]) { const s = [...a].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2; }
function pct(a: number[], p: number) { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; }

for (const set of [makeProblems(), makeLayerProblems()]) {
  const hSteps: number[] = [], hRhs: number[] = [], hRej: number[] = [], wSteps: number[] = [], rSteps: number[] = [], wRej: number[] = [], rRej: number[] = [], wRhs: number[] = [], rRhs: number[] = [];
  let maxDev = 0, nNull = 0, nMode = 0, rFail = 0, minGammaRatio = Infinity;
  const detail: string[] = [];
  for (const bp of set.problems) {
    const np = parseReducedProblem(toReducedProblem(bp, { method: 'auto', rtol: RTOL, atol: ATOL }));
    const tEnd = np.times[np.times.length - 1]!;
    for (let m = 0; m < np.singularValues.length; m++) {
      nMode++;
      const params = { depths: np.depths, singularValue: np.singularValues[m]!, inputVariance: np.inputVariances[m]!, tau: np.tau };
      const y0 = np.initialStates[m]!;
      const h = np.form === 'perLayer' ? perLayerHalvedModel(params, y0) : halvedModeModel(params, y0);
      const sol = solveModeOnClock(h, np.tau, RTOL, ATOL, 100000, tEnd);
      if (sol === null) { nNull++; continue; }
      const xW = (sol as unknown as { xEnd: Float64Array }).xEnd;
      wSteps.push(sol.stats.steps); wRej.push(sol.stats.rejectedSteps); wRhs.push(sol.stats.rhsEvaluations);
      // ρ-integration in s = ρ0 − ρ: dx/ds = (dx/dw)/γ.
      h.measureResidual(h.y0);
      const r0 = h.lastResidual; const sign = r0 > 0 ? 1 : -1; h.clockSign = sign;
      const rho0 = sign * r0;
      const n = h.dimension;
      let gmin = Infinity, g0 = 0;
      const rhs = (_s: number, y: Float64Array, out: Float64Array) => {
        h.clockRhs(0, y, out);
        h.measure(y, 0);
        const g = h.gamma;
        if (g < gmin) gmin = g;
        for (let i = 0; i < n; i++) out[i] = out[i]! / g;
      };
      h.measure(h.y0, 0); g0 = h.gamma;
      const run = recordDopri5(rhs, n, h.y0, rho0, { rtol: RTOL, atol: ATOL, maxSteps: 100000, handOver: null, controller, safety, initialStepFactor: isf });
      if (run.status !== 'ok') { rFail++; continue; }
      // end state: last step's y1 = evaluate at end
      const xR = new Float64Array(n);
      const data = run.steps.data; const rec = 2 + 5 * n; const off = (run.steps.count - 1) * rec;
      // coefficients: first block is y0 of the step, second = y1 - y0 (DOPRI5 dense convention)
      for (let i = 0; i < n; i++) xR[i] = data[off + 2 + i]! + data[off + 2 + n + i]!;
      h.snapLearned(xR);
      // Hybrid: w until ρ ≤ F·ρ0, then ρ to 0.
      const F = Number(process.env.F ?? 0.5);
      const wrun = recordDopri5(h.clockRhs, n, h.y0, 1e300, { rtol: RTOL, atol: ATOL, maxSteps: 1e5, controller: 'predictive', safety: 0.9, initialStepFactor: 16,
        handOver: { check(_w: number, _y: Float64Array) { return sign * h.lastResidual <= F * rho0; } } });
      const d2 = wrun.steps.data; const o2 = (wrun.steps.count - 1) * rec;
      const ys = new Float64Array(n); for (let i = 0; i < n; i++) ys[i] = d2[o2 + 2 + i]! + d2[o2 + 2 + n + i]!;
      h.measureResidual(ys); const rhoS = sign * h.lastResidual;
      let hyb = wrun.stats.steps, hybRhs = wrun.stats.rhsEvaluations, hybRej = wrun.stats.rejectedSteps;
      if (rhoS > 0) { const rr = recordDopri5(rhs, n, ys, rhoS, { rtol: RTOL, atol: ATOL, maxSteps: 1e5, handOver: null, controller, safety, initialStepFactor: isf });
        hyb += rr.stats.steps; hybRhs += rr.stats.rhsEvaluations; hybRej += rr.stats.rejectedSteps; }
      hSteps.push(hyb); hRhs.push(hybRhs); hRej.push(hybRej);
      rSteps.push(run.stats.steps); rRej.push(run.stats.rejectedSteps); rRhs.push(run.stats.rhsEvaluations);
      minGammaRatio = Math.min(minGammaRatio, gmin / g0);
      let dev = 0;
      for (let i = 0; i < n; i++) dev = Math.max(dev, Math.abs(xR[i]! - xW[i]!) / (ATOL + RTOL * Math.abs(xW[i]!)));
      maxDev = Math.max(maxDev, dev);
      detail.push(`${bp.id}/${m} D=${np.depths.join(',')} w:${sol.stats.steps}+${sol.stats.rejectedSteps} rho:${run.stats.steps}+${run.stats.rejectedSteps} dev=${dev.toExponential(1)}`);
    }
  }
  console.log(`set ${set.name}: modes ${nMode}, clock null ${nNull}, rho failed ${rFail}`);
  console.log(`  w   accepted median ${med(wSteps)} p90 ${pct(wSteps, 0.9)} max ${Math.max(...wSteps)} mean ${(wSteps.reduce((a, b) => a + b, 0) / wSteps.length).toFixed(2)}; rejected mean ${(wRej.reduce((a, b) => a + b, 0) / wRej.length).toFixed(2)}; rhs mean ${(wRhs.reduce((a, b) => a + b, 0) / wRhs.length).toFixed(1)}`);
  console.log(`  rho accepted median ${med(rSteps)} p90 ${pct(rSteps, 0.9)} max ${Math.max(...rSteps)} mean ${(rSteps.reduce((a, b) => a + b, 0) / rSteps.length).toFixed(2)}; rejected mean ${(rRej.reduce((a, b) => a + b, 0) / rRej.length).toFixed(2)}; rhs mean ${(rRhs.reduce((a, b) => a + b, 0) / rRhs.length).toFixed(1)}`);
  console.log(`  hybrid F=${process.env.F ?? 0.5} accepted median ${med(hSteps)} p90 ${pct(hSteps, 0.9)} max ${Math.max(...hSteps)} mean ${(hSteps.reduce((a, b) => a + b, 0) / hSteps.length).toFixed(2)}; rejected mean ${(hRej.reduce((a, b) => a + b, 0) / hRej.length).toFixed(2)}; rhs mean ${(hRhs.reduce((a, b) => a + b, 0) / hRhs.length).toFixed(1)}`);
  console.log(`  max |x_rho(0) - x_w(w∞)| / (atol + rtol|x|) = ${maxDev.toExponential(2)}; min γ/γ0 along ρ ${minGammaRatio.toExponential(2)}`);
  if (process.env.DETAIL) console.log(detail.join('\n'));
}
