/**
 * The `routing` sweep engine: the gated model's routing task (src/gated/routing.ts) trained by solveGated at
 * each point, and its measures, so generalisation against the initial scale is a phase diagram with confidence
 * intervals over seeds. The gated model is loaded on first use.
 *
 * A point's `sigma` is the initial scale: the gain σ0 of the random orthogonal init (or b0 of the decoupled
 * one), its seed the point's seed. Errors are the authors' per-pair ‖Y − out‖²_F / 2, averaged over the trained
 * or the untrained pairs.
 */
import { ComputationError, ValidationError } from '../../util/errors.ts';
import { expectNumber, expectOneOf, expectRecord, rejectUnknownKeys } from '../../util/validation.ts';
import type { EngineOutcome } from '../engine-types.ts';
import { engineOptions, registerSweepEngine, registerSweepMeasure } from '../registry.ts';

/** The routing engine's outcome: no pathways, its own numbers for its measures. */
export interface RoutingOutcome extends EngineOutcome {
  readonly routing: { readonly loss: number; readonly trainedError: number; readonly untrainedError: number; readonly sharedFraction: number };
}

const MEASURES = ['authorsLoss', 'trainedError', 'untrainedError', 'sharedFraction'] as const;

function routingOf(outcome: EngineOutcome): RoutingOutcome['routing'] | undefined {
  return (outcome as Partial<RoutingOutcome>).routing;
}

function parseRoutingOptions(value: unknown): Record<string, unknown> {
  const obj = expectRecord(value, 'routing', 'an object { epochs?, hidden?, init?, learningRate? }');
  rejectUnknownKeys(obj, ['epochs', 'hidden', 'init', 'learningRate'], 'routing');
  const out: Record<string, unknown> = {};
  if (obj['epochs'] !== undefined) out['epochs'] = expectNumber(obj['epochs'], 'routing.epochs', { integer: true, min: 1, max: 1e6 });
  if (obj['hidden'] !== undefined) out['hidden'] = expectNumber(obj['hidden'], 'routing.hidden', { integer: true, min: 4, max: 4096 });
  if (obj['init'] !== undefined) out['init'] = expectOneOf(obj['init'], 'routing.init', ['orthogonal', 'decoupled'] as const);
  if (obj['learningRate'] !== undefined) {
    out['learningRate'] = obj['learningRate'] === 'authors' ? 'authors' : expectNumber(obj['learningRate'], 'routing.learningRate', { exclusiveMin: 0 });
  }
  return out;
}

registerSweepEngine({
  name: 'routing',
  description:
    'the routing task of Saxe, Sodhani & Lewallen (2022) trained by `solveGated` (src/gated): σ is the initial gain, options `routing: { epochs, hidden, init, learningRate }`; measures authorsLoss, trainedError, untrainedError, sharedFraction',
  timeAxis: false,
  // A point trains a network for hundreds of epochs (~2 s): worker threads from the first point.
  longPoints: true,
  readsDepths: false,
  options: { field: 'routing', parse: parseRoutingOptions },
  check(spec) {
    const other = spec.measures.find((m) => !(MEASURES as readonly string[]).includes(m));
    if (other !== undefined) throw new ValidationError('measures', other, `a measure of engine "routing": ${MEASURES.join(', ')}`);
  },
  async load() {
    const { solveGated } = await import('../../gated/solve.ts');
    const { routingProblem, routingTrained, authorsLossFactor } = await import('../../gated/routing.ts');
    return {
      name: 'routing',
      run(params, settings): RoutingOutcome {
        const o = engineOptions(settings, 'routing') ?? {};
        const epochs = (o['epochs'] as number | undefined) ?? 700;
        const hidden = (o['hidden'] as number | undefined) ?? 64;
        const init = (o['init'] as string | undefined) ?? 'orthogonal';
        const factor = authorsLossFactor(28, 7);
        const rate = o['learningRate'];
        // The authors' schedule: lr 0.006/σ0^(1/3) on their loss, i.e. ×8 on ours.
        const learningRate = typeof rate === 'number' ? rate : (factor * 0.006) / Math.cbrt(params.sigma);
        const result = solveGated(
          routingProblem({
            hidden,
            evaluateAllPairs: true,
            init: init === 'orthogonal' ? { orthogonal: { gain: params.sigma, seed: params.seed } } : { decoupled: { scale: params.sigma, seed: params.seed } },
            train: { method: 'gd', learningRate, steps: epochs, recordEvery: epochs },
          }),
        );
        if (result.status !== 'ok') throw new ComputationError(result.message ?? 'training failed');
        const last = result.records[result.records.length - 1]!;
        let trained = 0;
        let untrained = 0;
        // Per pair ‖Y − out‖²_F/2 = P × our (1/P)·½‖·‖² with P = 4 items.
        last.evaluations!.forEach((e, idx) => {
          if (routingTrained(Math.floor(idx / 7), idx % 7)) trained += (4 * e) / 28;
          else untrained += (4 * e) / 21;
        });
        const sv = last.edges['shared']!.singularValues;
        const total = sv.reduce((s, x) => s + x * x, 0);
        const top = sv.slice(0, 4).reduce((s, x) => s + x * x, 0);
        return {
          strengths: [],
          routing: { loss: factor * last.loss, trainedError: trained, untrainedError: untrained, sharedFraction: total > 0 ? top / total : Number.NaN },
        };
      },
    };
  },
});

const meaning: Record<(typeof MEASURES)[number], string> = {
  authorsLoss: 'final training loss in the authors’ units (Σ over trained pairs of MSELoss(mean); 8 × ours)',
  trainedError: 'mean over the 28 trained pairs of ‖Y − out‖²_F / 2 at the end',
  untrainedError: 'mean over the 21 untrained pairs of ‖Y − out‖²_F / 2 at the end: zero-shot generalisation (low is good)',
  sharedFraction: 'share of the shared hidden matrix’s squared singular values in its top 4 (the task’s modes): 1 is rich, low is lazy',
};

for (const name of MEASURES) {
  registerSweepMeasure({
    name,
    meaning: meaning[name],
      // Errors and losses are ≥ 0 and the fraction is in [0, 1]: bands of few seeds are clipped to that.
    clip: name === 'sharedFraction' ? ([0, 1] as const) : ([0, Number.POSITIVE_INFINITY] as const),
    compute: ({ outcome }) => {
      const r = routingOf(outcome);
      const key = name === 'authorsLoss' ? 'loss' : name;
      return { [name]: r ? r[key as keyof RoutingOutcome['routing']] : null };
    },
  });
}
