/**
 * The two-layer mean-field model (src/rules/meanfield.ts) against closed forms and independent methods:
 * the fixed-point table of research/other-seeds.md §3(c), the GD solution in closed form, early-time slopes,
 * the small- and large-γ₀ laws of ΔH_y, the monotonicity in ρ, and the finite-width cross-check numbers.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ValidationError } from '../../src/util/errors.ts';
import {
  feedbackAlignmentRoot,
  largeRichnessKernelChange,
  meanFieldFixedPoint,
  smallRichnessKernelChange,
  solveMeanField,
  type MeanFieldRule,
} from '../../src/rules/index.ts';

const fixed = (rule: MeanFieldRule, gamma0: number, target: number, rho = 0) => meanFieldFixedPoint({ rule, rho, gamma0, target });

/** The cubic a³ + P a − 2c = 0 (P = 2(1 + ρ) > 0) by the hyperbolic closed form: independent of the Newton root. */
function trigRoot(c: number, rho: number): number {
  const P = 2 * (1 + rho);
  return 2 * Math.sqrt(P / 3) * Math.sinh(Math.asinh(((3 * c) / P) * Math.sqrt(3 / P)) / 3);
}

/**
 * GD in closed form. With s = ∫γ₀Δ, ds/dt = γ₀y − sinh 2s; u = e^{2s} turns it into dt = du/(1 + 2cu − u²)
 * (c = γ₀y), roots u± = c ± √(c² + 1), so (u − u₋)/(u₊ − u) = e^{2√(1+c²) t}(1 − u₋)/(u₊ − 1) and
 * f = sinh(2s)/γ₀ = (u − 1/u)/(2γ₀).
 */
function gdResidualClosedForm(gamma0: number, y: number, t: number): number {
  const c = gamma0 * y;
  const r = Math.sqrt(c * c + 1);
  const up = c + r;
  const um = c - r;
  const R = (Math.exp(2 * r * t) * (1 - um)) / (up - 1);
  const u = (um + R * up) / (1 + R);
  return y - (u - 1 / u) / (2 * gamma0);
}

describe('rules: two-layer mean-field model', () => {
  it('reproduces the fixed-point table of other-seeds.md §3(c) (γ₀ = 1.5, y = 1) to 1e-4', () => {
    // The table is printed to 4 decimals: 1e-4 is its rounding.
    expect(fixed('gd', 1.5, 1).kernel).to.be.closeTo(1.8028, 1e-4);
    expect(fixed('gd', 1.5, 1).feedbackOverlap).to.be.closeTo(1.8028, 1e-4);
    const rows: [number, number, number, number][] = [
      [0, 1, 2, 0.5],
      [0.5, 0.8177, 1.6687, 0.8343],
      [1, 0.6736, 1.4537, 1.2269],
    ];
    for (const [rho, a, H, G] of rows) {
      const fp = fixed('fa', 1.5, 1, rho);
      expect(fp.a, `a* at ρ = ${rho}`).to.be.closeTo(a, 1e-4);
      expect(fp.kernel, `H* at ρ = ${rho}`).to.be.closeTo(H, 1e-4);
      expect(fp.feedbackOverlap, `G̃* at ρ = ${rho}`).to.be.closeTo(G, 1e-4);
    }
    expect(fixed('hebb', 1.5, 1).kernel).to.be.closeTo(2.3147, 1e-4);
    expect(fixed('dfa', 1.5, 1)).to.deep.equal(fixed('fa', 1.5, 1, 0));
  });

  it('the FA root equals the hyperbolic closed form of the cubic (seeded property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -0.99, max: 1, noNaN: true }), (c, rho) => {
        const a = feedbackAlignmentRoot(c, 1 + rho);
        // Both are accurate to a few ulps of a; 1e-12 relative leaves room for the closed form's sinh/asinh.
        expect(a).to.be.closeTo(trigRoot(c, rho), 1e-12 * Math.max(1, Math.abs(a)));
      }),
      { seed: 1501, numRuns: 300 },
    );
    expect(feedbackAlignmentRoot(1.5, 0)).to.be.closeTo(Math.cbrt(3), 1e-15); // ρ = −1: a³/2 = c
  });

  it('GD: the ODE solution equals the closed form through s = ∫γ₀Δ (factor 2 of companions-sources.md §3)', () => {
    for (const [gamma0, y] of [[1.5, 1], [0.1, 2], [10, 0.5]] as const) {
      const times = [0, 0.01, 0.1, 0.3, 0.5, 1, 2, 4];
      const r = solveMeanField({ rule: 'gd', gamma0, target: y, times });
      expect(r.status).to.equal('ok');
      // rtol 1e-10 per step on Δ ≤ |y|: 1e-8·|y| bounds the accumulated error over t ≤ 4.
      times.forEach((t, i) => expect(r.residual[i]!, `Δ(${t})`).to.be.closeTo(gdResidualClosedForm(gamma0, y, t), 1e-8 * y));
      // H_y = G̃ = √(1 + γ₀²f²), the GD identity, at every output.
      r.kernel.forEach((h, i) => expect(h).to.be.closeTo(Math.hypot(1, gamma0 * (y - r.residual[i]!)), 1e-12 * h));
    }
  });

  it('the ODE solution converges to the fixed point, for every rule', () => {
    for (const [rule, rho] of [['gd', 0], ['fa', 0], ['fa', 0.5], ['fa', 1], ['fa', -0.5], ['dfa', 0], ['hebb', 0]] as const) {
      const spec = { rule, gamma0: 1.5, target: 1, times: [0, 40], ...(rule === 'fa' ? { rho } : {}) };
      const r = solveMeanField(spec);
      const fp = fixed(rule, 1.5, 1, rho);
      expect(r.status).to.equal('ok');
      // K ≥ 1 + ρ ≥ 0.5 here: Δ(40) ≤ e^{−20}; the rest is solver tolerance (rtol 1e-10).
      expect(Math.abs(r.residual[1]!), rule).to.be.below(1e-8);
      expect(r.kernel[1]!, `${rule} ${rho}`).to.be.closeTo(fp.kernel, 1e-7);
      expect(r.feedbackOverlap[1]!, `${rule} ${rho}`).to.be.closeTo(fp.feedbackOverlap, 1e-7);
      expect([r.residual[0], r.kernel[0], r.feedbackOverlap[0]]).to.deep.equal([1, 1, rule === 'fa' ? rho : rule === 'dfa' ? 0 : rule === 'gd' ? 1 : 0]);
    }
  });

  it('early-time slopes: df/dt|₀ = 2Δ for GD, (1 + ρ)Δ for FA, Δ for Hebb', () => {
    const h = 1e-4;
    for (const [rule, rho, slope] of [['gd', 0, 2], ['fa', 0, 1], ['fa', 0.5, 1.5], ['fa', 1, 2], ['hebb', 0, 1]] as const) {
      const y = 0.7;
      const r = solveMeanField({ rule, gamma0: 1.5, target: y, times: [0, h, 2 * h], ...(rule === 'fa' ? { rho } : {}) });
      const f = r.residual.map((d) => y - d);
      // One-sided second-order difference: O(h²) = 1e-8 truncation plus rtol·|y|/h ≈ 1e-6 round-off.
      const measured = (-3 * f[0]! + 4 * f[1]! - f[2]!) / (2 * h);
      expect(measured, `${rule} ρ = ${rho}`).to.be.closeTo(slope * y, 1e-5);
    }
  });

  it('the paper\'s pairings and orderings: ρ = 0 FA with Hebb and ρ = 1 FA with GD early; larger ρ trains faster; smaller ρ learns more features', () => {
    const times = [0, 0.02, 0.5];
    const run = (rule: MeanFieldRule, rho?: number) => solveMeanField({ rule, gamma0: 1.5, target: 1, times, ...(rho === undefined ? {} : { rho }) });
    const [fa0, fa05, fa1, gd, hebb] = [run('fa', 0), run('fa', 0.5), run('fa', 1), run('gd'), run('hebb')];
    // At t = 0.02 the pairs agree to O(t²) (same K(0)) while the two pairs differ at O(t).
    const gap = Math.abs(fa0.residual[1]! - gd.residual[1]!);
    expect(Math.abs(fa0.residual[1]! - hebb.residual[1]!)).to.be.below(0.05 * gap);
    expect(Math.abs(fa1.residual[1]! - gd.residual[1]!)).to.be.below(0.05 * gap);
    expect(fa1.residual[2]!).to.be.below(fa05.residual[2]!);
    expect(fa05.residual[2]!).to.be.below(fa0.residual[2]!);
    expect(fixed('fa', 1.5, 1, 0).kernel).to.be.above(fixed('fa', 1.5, 1, 1).kernel);
  });

  it('H_y*(ρ) strictly decreases and G̃*(ρ) strictly increases in ρ (seeded property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (gamma0, y, r1, r2) => {
          // A gap of 1e-3 in ρ moves H* by ≥ ~1e-9 here, far above round-off (1e-15).
          if (Math.abs(r1 - r2) < 1e-3) return;
          const [lo, hi] = r1 < r2 ? [r1, r2] : [r2, r1];
          const a = fixed('fa', gamma0, y, lo);
          const b = fixed('fa', gamma0, y, hi);
          expect(b.kernel).to.be.below(a.kernel);
          expect(b.feedbackOverlap).to.be.above(a.feedbackOverlap);
        },
      ),
      { seed: 1502, numRuns: 300 },
    );
  });

  it('ΔH_y against γ₀: log-log slope 2 at small γ₀; 1 (GD) and 2/3 (FA) at large γ₀', () => {
    const slope = (rule: MeanFieldRule, g1: number, g2: number, rho = 0) =>
      Math.log(fixed(rule, g2, 1, rho).kernelChange / fixed(rule, g1, 1, rho).kernelChange) / Math.log(g2 / g1);
    for (const rule of ['gd', 'fa', 'dfa'] as const) expect(slope(rule, 1e-3, 1e-2), rule).to.be.closeTo(2, 0.05);
    expect(slope('fa', 1e-3, 1e-2, 0.5)).to.be.closeTo(2, 0.05);
    expect(slope('gd', 1e3, 1e4)).to.be.closeTo(1, 0.05);
    for (const rho of [0, 0.5, 1]) expect(slope('fa', 1e3, 1e4, rho)).to.be.closeTo(2 / 3, 0.05);
    // Hebb's ΔH_y is linear in γ₀ at small γ₀ (derived in smallRichnessKernelChange).
    expect(slope('hebb', 1e-3, 1e-2)).to.be.closeTo(1, 0.05);
  });

  it('ΔH_y approaches its small- and large-γ₀ laws', () => {
    for (const [rule, rho] of [['gd', 0], ['fa', 0], ['fa', 0.5], ['dfa', 0], ['hebb', 0]] as const) {
      const p = { rule, rho, gamma0: 1e-4, target: 1.3 };
      // Relative corrections are O(γ₀²y²) for GD/FA, O(γ₀y²) for Hebb: below 1e-3 at γ₀ = 1e-4.
      expect(meanFieldFixedPoint(p).kernelChange / smallRichnessKernelChange(p), `${rule} ${rho}`).to.be.closeTo(1, 1e-3);
    }
    for (const rule of ['gd', 'fa'] as const) {
      const p = { rule, rho: 0, gamma0: 1e6, target: 1 };
      // GD: (√(1+c²) − 1)/c = 1 − 1/c; FA: relative correction O(c^{−2/3}) = 1e-4 at c = 1e6.
      expect(meanFieldFixedPoint(p).kernelChange / largeRichnessKernelChange(p)!, rule).to.be.closeTo(1, 1e-3);
    }
  });

  it('DFA equals FA(ρ = 0) to 1e-12 along the solution', () => {
    const times = [0, 0.1, 0.5, 1, 3];
    const a = solveMeanField({ rule: 'dfa', gamma0: 2, target: 0.8, times });
    const b = solveMeanField({ rule: 'fa', rho: 0, gamma0: 2, target: 0.8, times });
    for (const k of ['residual', 'kernel', 'feedbackOverlap'] as const) a[k].forEach((x, i) => expect(x).to.be.closeTo(b[k][i]!, 1e-12));
  });

  it('cross-check: the ODE values at t = 0.5 the research compared with a width-20000 simulation (GD 0.3042, FA 0.5510, Hebb 0.3796)', () => {
    const at = (rule: MeanFieldRule) => solveMeanField({ rule, gamma0: 1.5, target: 1, times: [0.5], ...(rule === 'fa' ? { rho: 0 } : {}) }).residual[0]!;
    // Printed to 4 decimals (±5e-5); the brief asks ~1e-3.
    expect(at('gd')).to.be.closeTo(0.3042, 1e-3);
    expect(at('fa')).to.be.closeTo(0.551, 1e-3);
    expect(at('hebb')).to.be.closeTo(0.3796, 1e-3);
  });

  it('a negative target mirrors a positive one; y = 0 stays at rest', () => {
    const times = [0, 0.3, 1];
    for (const rule of ['gd', 'fa', 'hebb'] as const) {
      const p = solveMeanField({ rule, gamma0: 1.2, target: 0.9, times });
      const m = solveMeanField({ rule, gamma0: 1.2, target: -0.9, times });
      p.residual.forEach((d, i) => expect(m.residual[i]!).to.be.closeTo(-d, 1e-9));
      p.kernel.forEach((h, i) => expect(m.kernel[i]!).to.be.closeTo(h, 1e-9));
      const z = solveMeanField({ rule, gamma0: 1.2, target: 0, times });
      expect(z.status).to.equal('ok');
      expect(z.residual).to.deep.equal([0, 0, 0]);
    }
  });

  describe('bad input: a ValidationError naming the field', () => {
    const good = { rule: 'fa', rho: 0.5, gamma0: 1.5, target: 1, times: [0, 1] };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, rule: 'sgd' }, 'rule'],
      [{ ...good, rule: 'gd' }, 'rho'],
      [{ ...good, rule: 'dfa' }, 'rho'],
      [{ ...good, rule: 'hebb' }, 'rho'],
      [{ ...good, rho: 1.5 }, 'rho'],
      [{ ...good, gamma0: 0 }, 'gamma0'],
      [{ ...good, gamma0: -1 }, 'gamma0'],
      [{ ...good, target: Number.NaN }, 'target'],
      [{ ...good, target: Infinity }, 'target'],
      [{ ...good, times: [0, -1] }, 'times[1]'],
      [{ ...good, times: [1, 0.5] }, 'times[1]'],
      [{ ...good, times: [] }, 'times'],
      [{ ...good, extra: 1 }, 'extra'],
    ];
    for (const [spec, fieldName] of cases) {
      it(`${JSON.stringify(spec)} → ${fieldName}`, () => {
        expect(() => solveMeanField(spec)).to.throw(ValidationError).with.property('field', fieldName);
      });
    }

    it('any JSON value is either solved with finite numbers or refused by a ValidationError (seeded)', () => {
      const value = fc.oneof(fc.constantFrom('gd', 'fa', 'dfa', 'hebb'), fc.double(), fc.integer(), fc.constant(null), fc.array(fc.double(), { maxLength: 4 }));
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom('rule', 'rho', 'gamma0', 'target', 'times', 'x'), value), (spec) => {
          try {
            const r = solveMeanField(spec);
            for (const k of ['residual', 'kernel', 'feedbackOverlap'] as const) for (const x of r[k]) expect(Number.isFinite(x)).to.equal(true);
          } catch (err) {
            expect(err).to.be.instanceOf(ValidationError);
          }
        }),
        { seed: 1503, numRuns: 500 },
      );
    });
  });
});
