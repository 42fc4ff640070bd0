/**
 * The built-in sweep parameters of the reduced model's one-mode problem (DESIGN §2.3): number of pathways M,
 * depths, initial scale σ, width N, target S, time constant τ. Each is a registration: the spec validator,
 * messages, plots and docs read them from the registry (src/sweep/registry.ts).
 */
import { ValidationError } from '../util/errors.ts';
import { registerSweepParameter, type ParameterContext, type RegistryGroup } from './registry.ts';

/** Largest M the per-pathway depth parameters (depth1 … depth9) can address. */
export const MAX_PATHWAYS = 9;
export const MAX_DEPTH = 1000;

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';

registerSweepParameter({
  name: 'pathways',
  rule: { integer: true, min: 1, max: MAX_PATHWAYS },
  meaning: 'number of pathways M',
  default: 2,
  title: 'pathways M',
  symbol: 'M',
});

registerSweepParameter({
  name: 'depth',
  rule: { integer: true, min: 1, max: MAX_DEPTH },
  meaning: 'depth D of every pathway (required unless every `depthK` is given)',
  title: 'depth D',
  symbol: 'D',
  check(ctx) {
    if (ctx.engine.readsDepths === false && ctx.valuesOf('depth') !== undefined) {
      throw new ValidationError(ctx.fieldOf('depth'), ctx.valuesOf('depth'), `nothing with engine "${ctx.engine.name}" (its points have no pathway depths)`);
    }
  },
});

const perPathwayDepth: RegistryGroup = {
  label: `depth1 … depth${MAX_PATHWAYS}`,
  meaning: 'depth of pathway K (1-based), overriding `depth`; K ≤ M',
};

/** depthK: the pathway exists at every point, and every pathway up to the largest M has a depth. */
function checkPathwayDepth(a: number) {
  return (ctx: ParameterContext): void => {
    const p = `depth${a}`;
    if (ctx.engine.readsDepths === false) {
      if (ctx.valuesOf(p) !== undefined) throw new ValidationError(ctx.fieldOf(p), ctx.valuesOf(p), `nothing with engine "${ctx.engine.name}" (its points have no pathway depths)`);
      return;
    }
    const pathways = ctx.valuesOf('pathways')!;
    const minM = Math.min(...pathways);
    const maxM = Math.max(...pathways);
    if (ctx.valuesOf(p) !== undefined && a > minM) {
      throw new ValidationError(ctx.fieldOf(p), ctx.valuesOf(p), `a pathway that exists at every point (M can be ${minM})`);
    }
    if (a <= maxM && ctx.valuesOf(p) === undefined && ctx.valuesOf('depth') === undefined) {
      throw new ValidationError('fixed.depth', undefined, `a depth for every pathway: give depth, or depth1 … depth${maxM}`);
    }
  };
}

for (let a = 1; a <= MAX_PATHWAYS; a++) {
  registerSweepParameter({
    name: `depth${a}`,
    rule: { integer: true, min: 1, max: MAX_DEPTH },
    meaning: `depth of pathway ${a}, overriding \`depth\``,
    title: `depth D${SUBSCRIPTS[a]} of pathway ${a}`,
    symbol: `D${SUBSCRIPTS[a]}`,
    group: perPathwayDepth,
    check: checkPathwayDepth(a),
  });
}

registerSweepParameter({
  name: 'sigma',
  rule: { exclusiveMin: 0 },
  meaning: 'initial scale σ: q₀ = σ, p₀ ~ N(0, σ²/N) (DESIGN §2.3)',
  required: 'the initial scale σ > 0 (in fixed or axes)',
  title: 'initial scale σ',
  symbol: 'σ',
  logAxis: true,
});

registerSweepParameter({
  name: 'width',
  rule: { integer: true, min: 1 },
  meaning: "width N: sets the spread σ/√N of p₀ (and the network's hidden width)",
  default: 100,
  title: 'width N',
  symbol: 'N',
  logAxis: true,
});

registerSweepParameter({
  name: 'target',
  rule: { exclusiveMin: 0 },
  meaning: 'singular value S of the one task mode',
  default: 3,
  title: 'target S',
  symbol: 'S',
  logAxis: true,
});

registerSweepParameter({
  name: 'tau',
  rule: { exclusiveMin: 0 },
  meaning: 'time constant τ',
  default: 1,
  title: 'time constant τ',
  symbol: 'τ',
});
