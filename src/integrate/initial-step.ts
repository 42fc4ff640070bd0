/**
 * The start of a run: the derivative at the start and the first step size (Hairer's heuristic, HINIT of
 * dopri5.f / rodas.f, unless given).
 */
import { fail, firstNonFinite, type RunContext } from './context.ts';
import { fmt } from './messages.ts';
import type { RightHandSide } from './types.ts';

/** Hairer's starting step heuristic (HINIT of dopri5.f / rodas.f) for a method of order `order`. */
export function initialStepHeuristic(
  ctx: RunContext,
  order: number,
  hmax: number,
  y1: Float64Array,
  f1: Float64Array,
): number {
  ctx.stats.rhsEvaluations++;
  return hairerInitialStep(ctx.problem.rhs, ctx.n, ctx.t, ctx.y, ctx.f, ctx.options.rtol, ctx.options.atol, order, hmax, y1, f1);
}

/**
 * The heuristic of `initialStepHeuristic` without a run context: f = rhs(t, y) given; one more right-hand side
 * (at an Euler probe, into f1; y1 is scratch).
 */
export function hairerInitialStep(
  rhs: RightHandSide,
  n: number,
  t: number,
  y: Float64Array,
  f: Float64Array,
  rtol: number,
  atol: number,
  order: number,
  hmax: number,
  y1: Float64Array,
  f1: Float64Array,
): number {
  let dnf = 0;
  let dny = 0;
  for (let i = 0; i < n; i++) {
    const sk = atol + rtol * Math.abs(y[i]!);
    dnf += (f[i]! / sk) ** 2;
    dny += (y[i]! / sk) ** 2;
  }
  let h = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : Math.sqrt(dny / dnf) * 0.01;
  h = Math.min(h, hmax);
  for (let i = 0; i < n; i++) y1[i] = y[i]! + h * f[i]!;
  rhs(t + h, y1, f1);
  let der2 = 0;
  for (let i = 0; i < n; i++) {
    const sk = atol + rtol * Math.abs(y[i]!);
    der2 += ((f1[i]! - f[i]!) / sk) ** 2;
  }
  der2 = Math.sqrt(der2) / h;
  const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf));
  const h1 = der12 <= 1e-15 ? Math.max(1e-6, h * 1e-3) : Math.pow(0.01 / der12, 1 / order);
  h = Math.min(100 * h, h1, hmax);
  // A non-finite trial (e.g. the Euler probe overflowed) must not poison the step size.
  if (!(h > 0) || !Number.isFinite(h)) h = Math.min(1e-6, hmax);
  return h;
}

/**
 * The opening of a run (every method): the derivative at ctx.t written into `f0` (taken over from the
 * previous segment when ctx.haveF), and the first step size — ctx.h if a previous segment suggested one, else
 * options.initialStep, else Hairer's heuristic for a method of order `order` — capped at hmax. Returns null,
 * after fail(), when the derivative at the start is not finite. `y` is the run's private copy of ctx.y.
 */
export function openRun(
  ctx: RunContext,
  y: Float64Array,
  f0: Float64Array,
  order: number,
  hmax: number,
  scratchY: Float64Array,
  scratchF: Float64Array,
): number | null {
  if (ctx.haveF) {
    f0.set(ctx.f);
  } else {
    ctx.problem.rhs(ctx.t, y, f0);
    ctx.stats.rhsEvaluations++;
    const bad = firstNonFinite(f0, ctx.n);
    if (bad >= 0) {
      fail(ctx, `non-finite derivative f[${bad}] = ${fmt(f0[bad]!)} at t = ${fmt(ctx.t)} (the initial point)`);
      return null;
    }
  }
  let h = ctx.h;
  if (!(h > 0)) {
    if (ctx.options.initialStep !== undefined) {
      h = ctx.options.initialStep;
    } else {
      ctx.f.set(f0);
      h = initialStepHeuristic(ctx, order, hmax, scratchY, scratchF);
    }
  }
  return Math.min(h, hmax);
}
