/**
 * The `twolayer` sweep engine: a two-layer linear network on a rank-1 task Σʸˣ = S e₁e₁ᵀ (whitened inputs),
 * with the laziness measures of Liu et al. (kernel alignment, weight change) as phase diagrams over the init's
 * rank and scale, or over the λ-balance of an aligned init (the rich-to-lazy transition of Dominé et al.).
 * The rich/lazy model (src/richlazy) is loaded on first use.
 *
 * - `"twolayer": { "init": "random" }` (default): each layer truncated to rank `rank` at ‖W_i(0)‖_F = σ
 *   (Liu et al.'s matched-norm recipe, seeded by the point), hidden width `width`, trained by gradient flow to
 *   `time` (required).
 * - `"init": "aligned"`: the decoupled init along the task's mode with initial product σ² and balance
 *   λ = d² − c² (`lambda`, default 0: c₀ = d₀ = σ), solved in closed form (src/richlazy/aligned.ts) at `time`,
 *   or learned (t → ∞) without one.
 */
import { ComputationError, ValidationError } from '../../util/errors.ts';
import { expectNumber, expectOneOf, expectRecord, rejectUnknownKeys } from '../../util/validation.ts';
import type { EngineOutcome } from '../engine-types.ts';
import { engineOptions, registerSweepEngine, registerSweepMeasure, registerSweepParameter } from '../registry.ts';

/** The engine's outcome: the product along the task mode as the one "strength", and its own measures. */
export interface TwoLayerOutcome extends EngineOutcome {
  readonly twolayer: { readonly kernelAlignment: number; readonly weightChange: number; readonly relativeWeightChange: number; readonly finalLoss: number };
}

const MEASURES = ['kernelAlignment', 'weightChange', 'relativeWeightChange', 'finalLoss'] as const;
const ALLOWED_MEASURES = [...MEASURES, 'learningTime'];

function parseOptions(value: unknown): Record<string, unknown> {
  const obj = expectRecord(value, 'twolayer', 'an object { init?, inputs?, outputs? }');
  rejectUnknownKeys(obj, ['init', 'inputs', 'outputs'], 'twolayer');
  const out: Record<string, unknown> = {};
  if (obj['init'] !== undefined) out['init'] = expectOneOf(obj['init'], 'twolayer.init', ['random', 'aligned'] as const);
  if (obj['inputs'] !== undefined) out['inputs'] = expectNumber(obj['inputs'], 'twolayer.inputs', { integer: true, min: 1, max: 512 });
  if (obj['outputs'] !== undefined) out['outputs'] = expectNumber(obj['outputs'], 'twolayer.outputs', { integer: true, min: 1, max: 512 });
  return out;
}

registerSweepParameter({
  name: 'rank',
  rule: { integer: true, min: 1, max: 512 },
  engines: ['twolayer'],
  meaning: 'rank of each layer of a random two-layer init at matched Frobenius norm (capped at the layer’s smaller side; default full)',
  title: 'rank of W(0)',
  symbol: 'r',
});

registerSweepParameter({
  name: 'lambda',
  rule: { min: -1e6, max: 1e6 },
  engines: ['twolayer'],
  meaning: 'λ = d² − c² of an aligned two-layer init (0: balanced, rich; |λ| ≫ S: lazy)',
  title: 'balance λ',
  symbol: 'λ',
});

/** 0, then 200 times geometrically spaced from 10⁻⁴·T to T (the flow's records, for the learning time). */
function recordTimes(T: number): number[] {
  return [0, ...Array.from({ length: 200 }, (_, i) => (i === 199 ? T : T * 1e-4 ** (1 - i / 199)))];
}

registerSweepEngine({
  name: 'twolayer',
  description:
    'a two-layer linear network on a rank-1 task of singular value S (src/richlazy): random init of rank `rank` at ‖W_i(0)‖_F = σ by gradient flow to `time`, or `twolayer.init: "aligned"` with balance `lambda` in closed form; measures kernelAlignment, weightChange, relativeWeightChange, finalLoss, learningTime',
  timeAxis: true,
  readsDepths: false,
  options: { field: 'twolayer', parse: parseOptions },
  check(spec) {
    const other = spec.measures.find((m) => !ALLOWED_MEASURES.includes(m));
    if (other !== undefined) throw new ValidationError('measures', other, `a measure of engine "twolayer": ${ALLOWED_MEASURES.join(', ')}`);
    const init = ((spec as unknown as Record<string, Record<string, unknown> | undefined>)['twolayer'])?.['init'] ?? 'random';
    const given = (p: string): boolean => spec.fixed[p] !== undefined || spec.axes.some((a) => a.name === p);
    if (init === 'random' && spec.time === undefined) throw new ValidationError('time', undefined, 'an end time of gradient flow with engine "twolayer" and a random init');
    if (init === 'random' && given('lambda')) throw new ValidationError(spec.fixed['lambda'] !== undefined ? 'fixed.lambda' : 'axes.lambda', 'lambda', 'nothing with a random init (λ applies to twolayer.init "aligned")');
    if (init === 'aligned' && given('rank')) throw new ValidationError(spec.fixed['rank'] !== undefined ? 'fixed.rank' : 'axes.rank', 'rank', 'nothing with an aligned init (it is rank 1 along the task)');
  },
  async load() {
    const { alignedModeSolution, alignedWeightChange } = await import('../../richlazy/aligned.ts');
    const { modeKernelAlignment } = await import('../../richlazy/measures.ts');
    const { truncatedLowRank } = await import('../../richlazy/init.ts');
    const { solveTwoLayer } = await import('../../richlazy/twolayer.ts');
    return {
      name: 'twolayer',
      run(params, settings): TwoLayerOutcome {
        const o = engineOptions(settings, 'twolayer') ?? {};
        const d = (o['inputs'] as number | undefined) ?? 10;
        const nOut = (o['outputs'] as number | undefined) ?? 5;
        const S = params.target;
        const threshold = settings.learningFraction * S;
        if ((o['init'] ?? 'random') === 'aligned') {
          const lambda = params.values?.['lambda'] ?? 0;
          const a0 = params.sigma * params.sigma;
          // c₀d₀ = σ² and d₀² − c₀² = λ; the larger of c₀, d₀ directly, the other as σ² over it.
          const root = Math.sqrt(lambda * lambda + 4 * a0 * a0);
          const d0 = lambda >= 0 ? Math.sqrt((root + lambda) / 2) : a0 / Math.sqrt((root - lambda) / 2);
          const c0 = a0 / d0;
          const mode = alignedModeSolution({ s: S, c0, d0, tau: params.tau });
          const start = mode.at(0);
          const T = settings.time;
          // Without a time: the learned state (a = S), the closed form's t → ∞ limit (e^{−Kt} = 0 exactly).
          const end = mode.at(T ?? 1e300);
          const change = alignedWeightChange(start, end);
          let learningTime: number | null = null;
          if (start.product >= threshold) learningTime = 0;
          else {
            // a(t) rises monotonically from a₀ < threshold towards S: bisect the closed form.
            let hi = params.tau / S;
            while (mode.at(hi).product < threshold && hi < 1e12) hi *= 2;
            if (mode.at(hi).product >= threshold) {
              let lo = 0;
              for (let i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
                const mid = (lo + hi) / 2;
                if (mode.at(mid).product >= threshold) hi = mid;
                else lo = mid;
              }
              learningTime = T === undefined || hi <= T ? hi : null;
            }
          }
          return {
            strengths: [end.product],
            learningTime,
            twolayer: {
              kernelAlignment: modeKernelAlignment({ first: [start.first], second: [start.second] }, { first: [end.first], second: [end.second] }, d, nOut),
              weightChange: change,
              relativeWeightChange: change / Math.hypot(c0, d0),
              finalLoss: 0.5 * (S - end.product) ** 2,
            },
          };
        }
        const h = params.width;
        const rank = params.values?.['rank'];
        const layer = (rows: number, cols: number, seed: number): number[][] => {
          const w = truncatedLowRank({ rows, cols, rank: Math.min(rank ?? Infinity, rows, cols), seed });
          const norm = Math.sqrt(w.flat().reduce((s, x) => s + x * x, 0));
          return w.map((row) => row.map((x) => (x * params.sigma) / norm));
        };
        const W1 = layer(h, d, params.seed);
        const W2 = layer(nOut, h, params.seed + 1);
        const sigmaYX = Array.from({ length: nOut }, (_, i) => Array.from({ length: d }, (_, j) => (i === 0 && j === 0 ? S : 0)));
        const times = recordTimes(settings.time!);
        const res = solveTwoLayer({ sigmaYX, init: { W1, W2 }, tau: params.tau, times, solver: 'flow' });
        if (res.status !== 'ok') throw new ComputationError(res.message ?? 'gradient flow failed');
        const along = res.product.map((P) => P[0]![0]!);
        let learningTime: number | null = null;
        for (let i = 0; i < along.length; i++) {
          if (along[i]! >= threshold) {
            learningTime = i === 0 ? 0 : times[i - 1]! + ((threshold - along[i - 1]!) / (along[i]! - along[i - 1]!)) * (times[i]! - times[i - 1]!);
            break;
          }
        }
        const last = along.length - 1;
        return {
          strengths: [along[last]!],
          learningTime,
          twolayer: {
            kernelAlignment: res.kernelAlignment[last]!,
            weightChange: res.weightChange![last]!,
            relativeWeightChange: res.weightChange![last]! / (Math.SQRT2 * params.sigma),
            finalLoss: res.loss[last]!,
          },
        };
      },
    };
  },
});

const meaning: Record<(typeof MEASURES)[number], string> = {
  kernelAlignment: 'KA(K(0), K(T)) of the tangent kernel I ⊗ W₁ᵀW₁ + W₂W₂ᵀ ⊗ I: 1 lazy, lower rich (engine `twolayer`)',
  weightChange: '‖W(T) − W(0)‖_F over both layers (engine `twolayer`)',
  relativeWeightChange: '‖W(T) − W(0)‖_F / ‖W(0)‖_F (engine `twolayer`)',
  finalLoss: '½‖Σʸˣ − W₂W₁‖²_F at the end (engine `twolayer`)',
};

for (const name of MEASURES) {
  registerSweepMeasure({
    name,
    meaning: meaning[name],
    clip: name === 'kernelAlignment' ? ([0, 1] as const) : ([0, Number.POSITIVE_INFINITY] as const),
    ...(name === 'finalLoss' || name === 'weightChange' ? { logScale: true } : {}),
    ...(name === 'kernelAlignment' ? { colourDomain: () => [0, 1] as const } : {}),
    title: () => ({ kernelAlignment: 'kernel alignment KA', weightChange: 'weight change ‖ΔW‖_F', relativeWeightChange: 'relative weight change', finalLoss: 'final loss' })[name],
    compute: ({ outcome }) => ({ [name]: (outcome as Partial<TwoLayerOutcome>).twolayer?.[name] ?? null }),
  });
}
