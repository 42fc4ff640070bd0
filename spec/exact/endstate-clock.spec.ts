/**
 * The closed-form clock of the end-state engine (src/exact/endstate-clock.ts, issue 18) against quadrature of the
 * clock integral itself, u = ∫ dp (c + p²)^{−(D−1)/2}, written here; and the open case it fixed: a large-gain
 * pathway whose mode starts far above its target, against an independent reference.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { clockTail, rationalPower } from '../../src/exact/endstate-clock.ts';
import { modeEndState } from '../../src/exact/endstate.ts';
import { ClockPathway, power } from '../../src/exact/endstate-pathway.ts';
import { SEED } from '../helpers/arbitraries.ts';
import { gaussLegendre } from './endstate-quadrature.ts';

/** The clock's integrand dp/du inverted: (c + s²)^{−n/2}, n = D − 1. */
const rate = (D: number, c: number) => (s: number) => (c + s * s) ** (-(D - 1) / 2);

/** ∫_{p0}^{p1} (c + s²)^{−(D−1)/2} ds on a stretch where c + s² stays away from 0: 20-point Gauss–Legendre, 400 panels. */
function clockBetween(D: number, c: number, p0: number, p1: number): number {
  return gaussLegendre(rate(D, c), p0, p1, 400);
}

/**
 * ∫_p^∞ (c + s²)^{−n/2} ds for p > 0 (p² > −c), by s = p/v: ∫₀¹ p v^{n−2} (c v² + p²)^{−n/2} dv, a smooth integrand
 * for n ≥ 2 (D ≥ 3).
 */
function clockToInfinity(D: number, c: number, p: number): number {
  const n = D - 1;
  return gaussLegendre((v) => p * v ** (n - 2) * (c * v * v + p * p) ** (-n / 2), 0, 1, 400);
}

describe('end-state clock in closed form: τ(y) against quadrature of the clock integral', () => {
  // The engine's distance to the end of the trajectory is |c|^{−m/2} τ(y), y = σ(1 − |p|/q), m = D − 2. Quadrature
  // (20-point Gauss–Legendre on 400 panels of a smooth integrand) is accurate to a few ulps; the closed forms keep
  // their condition numbers below 64 by construction. Against 50-digit mpmath (a one-off check, docs/end-states.md)
  // they were within 8.5e-15 relative for D ≤ 42, and the series of endstate-tails.ts that take over for c > 0 and
  // D ≥ 22 within 2.7e-14: 1e-13 leaves a margin of ~4.
  for (let D = 3; D <= 30; D++) {
    it(`D = ${D}: both signs of c, near the end, in between and near the middle`, () => {
      const m = D - 2;
      for (const c of [1, 0.3, 2.5, -1, -0.3, -2.5]) {
        const sigma = c > 0 ? 1 : -1;
        const rho = Math.sqrt(Math.abs(c));
        // p from near the middle (c > 0) or near p = √|c| (c < 0, where y is large) out to near the blow-up.
        const ps = c > 0 ? [0.02, 0.3, 1, 3, 10, 40].map((f) => f * rho) : [1.05, 1.3, 2, 5, 20].map((f) => f * rho);
        for (const p of ps) {
          const q = Math.sqrt(c + p * p);
          // y without cancellation: 1 − p/q = c/(q(q + p)) for c > 0, p/q − 1 = −c/(q(q + p)) for c < 0.
          const y = (sigma * c) / (q * (q + p));
          const got = clockTail(m, sigma).at(y) / rho ** m;
          const want = clockToInfinity(D, c, p);
          expect(Math.abs(got - want), `D ${D}, c ${c}, p ${p}`).to.be.at.most(1e-13 * want);
        }
      }
    });
  }

  it('the middle form G(z) = ∫₀^z (1 − t²)^{(m−2)/2} dt (the clock from the crossing p = 0) for D = 3…30', () => {
    // With p = √c z/√(1 − z²), u − u₀ = c^{−m/2} G(z) = ∫₀^p (c + s²)^{−n/2} ds; G has terms of one sign only.
    for (let D = 3; D <= 30; D++) {
      for (const c of [1, 0.4, 3]) {
        for (const z of [1e-9, 1e-4, 0.1, 0.5, 0.9, 0.999]) {
          const p = (Math.sqrt(c) * z) / Math.sqrt((1 - z) * (1 + z));
          const tail = clockTail(D - 2, 1);
          const got = tail.middle(z) / Math.sqrt(c) ** (D - 2);
          const want = clockBetween(D, c, 0, p);
          // Positive terms: a few ulps plus the quadrature's; near z = 1 the integrand peaks over a short stretch.
          expect(Math.abs(got - want), `D ${D}, c ${c}, z ${z}`).to.be.at.most(1e-13 * want);
          // The inverse returns z (G' ≤ 1, so the relative error in z is that of G, times at most G/(zG')).
          const back = tail.middleInverse(tail.middle(z));
          expect(Math.abs(back - z), `inverse, D ${D}, z ${z}`).to.be.at.most(1e-13 * z * Math.max(1, tail.middle(z) / (z * tail.density)));
        }
      }
    }
  });
});

describe('end-state clock in closed form: one pathway on the clock, D = 1…30, p of both signs', () => {
  // A pathway started at p₀ and moved by the quadrature of the clock from p₀ to p₁ must be at p₁: K = p₁ q₁^{D−1},
  // q₁² = c + p₁². This runs the whole pathway (its start position, the inverse of the closed form, the side of the
  // trajectory it measures from) for depths 1 and 2 (linear and exponential clocks) as well. Error budget: the
  // engine places the pathway from the nearer end of its trajectory, to ≤ 8.5e-15 (closed forms, above; 2.7e-14 for
  // the series of D ≥ 22 with c > 0) of the distances involved, T(p₀) + T(p₁) + |u|, and K moves by dK/du per
  // unit of clock — up to 3e10·K at D = 30, p₁ = 2 (q₁^{D−3}(q₁² + (D−1)p₁²)/p₁): so the bound is
  // 1e-12·|K| + dK/du · 4e-14 · (T(p₀) + T(p₁) + |u|). A wrong branch or sign is off by O(K).
  const cases: [number, number, number][] = [
    // c > 0: across the crossing in both directions of p, from far below to far above.
    [1, -3, 2],
    [1, -0.5, 0.4],
    [0.3, 0.1, 3],
    [2, -6, -0.2],
    // c < 0: the blow-up side (p > √|c|) and the stuck side (p < −√|c|, rising towards −√|c|).
    [-1, 1.2, 4],
    [-0.5, 3, 9],
    [-1, -5, -1.3],
    [-2, -8, -2],
  ];
  for (let D = 1; D <= 30; D++) {
    it(`D = ${D}`, () => {
      for (const [c, p0, p1] of cases) {
        // Keep p₁ short of the blow-up where K overflows for deep pathways: K₁ = p₁ q₁^{D−1} must be finite.
        const q0 = Math.sqrt(c + p0 * p0);
        const q1 = Math.sqrt(c + p1 * p1);
        const K1 = D === 1 ? p1 : p1 * q1 ** (D - 1);
        const u = D === 1 ? p1 - p0 : clockBetween(D, c, p0, p1);
        const pw = new ClockPathway(D, q0, p0);
        pw.evaluate(u, pw.blowup, pw.blowup - u);
        const n = D - 1;
        const dKdu = D === 1 ? 1 : q1 ** (2 * n - 2) * (q1 * q1 + n * p1 * p1);
        const distances = Math.abs(u) + (D >= 3 ? clockToInfinity(D, c, Math.abs(p0)) + clockToInfinity(D, c, Math.abs(p1)) : 0);
        const tolerance = 1e-12 * Math.abs(K1) + dKdu * 4e-14 * distances;
        expect(Math.abs(pw.K - K1), `c ${c}, p ${p0} → ${p1}`).to.be.at.most(tolerance);
      }
    });
  }
});

describe('end-state clock in closed form: the derivatives of K on the clock', () => {
  it('dK/du, d²K/du², d³K/du³ are the derivatives of K, dK/du, d²K/du² (5-point differences, D = 1…12, fast-check)', () => {
    // K(u) itself is checked against quadrature above; its derivatives (the root's Halley and fourth-order last
    // steps use them) against central differences of the next lower one. With L the distance to the nearer end
    // (u = 0 or the blow-up) each derivative grows by ~D/L, so h = 1e-3·L/D leaves a truncation error
    // (hD/L)⁴/30 ≈ 3e-14 and round-off ~ε/(1e-3) ≈ 2e-13 of the scale |f|·D/L; 1e-9 of it leaves margin.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: 0.5, max: 1.5, noNaN: true }),
        fc.double({ min: -1.5, max: 1.5, noNaN: true }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        (D, q0, ratio, f) => {
          const pw = new ClockPathway(D, q0, ratio * q0);
          const finite = pw.blowup < Infinity;
          const u = finite ? f * pw.blowup : f;
          const L = finite ? Math.min(u, pw.blowup - u) : u;
          const h = (1e-3 * L) / D;
          const at = (v: number) => {
            pw.evaluate(v, pw.blowup, pw.blowup - v);
            return [pw.K, pw.dK, pw.d2K, pw.d3K] as const;
          };
          const [, ...wanted] = at(u);
          const plus1 = at(u + h);
          const plus2 = at(u + 2 * h);
          const minus1 = at(u - h);
          const minus2 = at(u - 2 * h);
          for (let k = 0; k < 3; k++) {
            const difference = (8 * (plus1[k]! - minus1[k]!) - (plus2[k]! - minus2[k]!)) / (12 * h);
            const scale = Math.abs(wanted[k]!) + (Math.abs(at(u)[k]!) * D) / L;
            expect(Math.abs(difference - wanted[k]!), `D ${D}, q ${q0}, p/q ${ratio}, u ${u}, order ${k + 1}`).to.be.at.most(1e-9 * scale);
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('end-state clock: rational powers for starting values', () => {
  it('x^{j/k} by roots: r^k = x^j to round-off, x from 1e-150 to 1e150, and 0 and ∞ (fast-check)', () => {
    // Not against Math.pow(x, j/k): j/k is itself rounded (1/3 by 1.9e-17), which moves x^{j/k} by up to ln x of
    // that, 1.3e-14 at 1e300. Each root is within ~1 ulp (sqrt exact, cbrt < 1 ulp), composed ≤ 3 deep and
    // squared once, so r is within ~4ε and r^k (k ≤ 8 further roundings) within 8·4ε + 8ε = 40ε of x^j. The
    // exponents left to Math.pow carry that rounding of j/k (≤ ε/2 of it), i.e. ≤ (j/2)|ln x|·ε in r^k: added.
    const exponents: [number, number][] = [[1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6], [1, 7], [1, 8], [2, 3], [2, 4], [2, 5], [2, 6], [2, 7], [2, 8]];
    fc.assert(
      fc.property(fc.double({ min: -150, max: 150, noNaN: true }), fc.constantFrom(...exponents), (e, [j, k]) => {
        const x = 10 ** e;
        const r = rationalPower(x, j, k);
        let rk = 1;
        for (let i = 0; i < k; i++) rk *= r;
        const xj = j === 1 ? x : x * x;
        const tolerance = (40 + 0.5 * j * Math.abs(Math.log(x))) * 2.220446049250313e-16 * xj;
        expect(Math.abs(rk - xj), `${x}^(${j}/${k})`).to.be.at.most(tolerance);
      }),
      { seed: SEED, numRuns: 500 },
    );
    for (const [j, k] of exponents) {
      expect(rationalPower(0, j, k)).to.equal(0);
      expect(rationalPower(Infinity, j, k)).to.equal(Infinity);
    }
  });
});

describe('end-state clock: integer powers', () => {
  it('power(x, k) for k = 0…20 (products, squaring, Math.pow) is x^k to k roundings (fast-check)', () => {
    // Each product rounds once (≤ ε/2), at most k − 1 of them; Math.pow beyond k = 16 is within ~1 ulp.
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.integer({ min: 0, max: 20 }), (e, k) => {
        const x = (e < 0 ? -1 : 1) * 10 ** Math.abs(e) * 0.37;
        const want = x ** k;
        expect(Math.abs(power(x, k) - want), `${x}^${k}`).to.be.at.most(Math.max(1, k) * 2.220446049250313e-16 * Math.abs(want));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('end-state clock in closed form: the inverse', () => {
  it('y → τ(y) → y, cold and warm-started, m = 1…28, both signs of c (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 28 }),
        fc.boolean(),
        fc.double({ min: -6, max: 0, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        (m, positive, logY, nudge) => {
          const sigma = positive ? 1 : -1;
          // y from 1e-6 to 1 (σ = +1, the nearer half) or to 1e3 (σ = −1).
          const y = positive ? 10 ** logY : 10 ** (1.5 * (logY + 6) - 6);
          const tail = clockTail(m, sigma);
          const h = tail.at(y);
          const L = (y * tail.density) / h; // d ln τ / d ln y, the condition of y given τ
          for (const guess of [NaN, y * (1 + nudge), y * (1 + 1e-6 * nudge)]) {
            const back = tail.inverse(h, guess);
            // τ carries ≤ 2.7e-14 relative error (above), which moves y by that over L, plus Halley's last step.
            expect(Math.abs(back - y), `m ${m}, σ ${sigma}, y ${y}, guess ${guess}`).to.be.at.most(1e-13 * y * Math.max(1, 1 / L));
          }
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});

/**
 * An independent end state for a mode whose first pathway has a large gain and ends near its crossing p = 0:
 * that pathway is parametrised by its own p₁ (bisection on p₁, which resolves it to ε·p₁), the clock there is
 * u(p₁) = ∫_{p₀}^0 + ∫_0^{p₁} (quadrature, each with full relative precision), and the other pathway is moved to
 * that clock by bisection on its p. A bisection on the clock itself, as an ODE in time or on the clock would do,
 * resolves u only to ε·u, which moves the large-gain pathway by ε·u·c^{D−1} (1e-7 relative here).
 */
function crossingReference(depths: number[], S: number, q: number[], p: number[]): number[] {
  const c = (a: number) => (q[a]! - p[a]!) * (q[a]! + p[a]!);
  const K = (a: number, pa: number) => (depths[a] === 1 ? pa : pa * Math.sqrt(c(a) + pa * pa) ** (depths[a]! - 1));
  const clock = (a: number, from: number, to: number) => (depths[a] === 1 ? to - from : clockBetween(depths[a]!, c(a), from, to));
  const pAt = (a: number, u: number) => {
    if (depths[a] === 1) return p[a]! + u;
    // Newton on the clock (du/dp = (c + p²)^{−n/2} > 0, u(p) convex or concave on each side of p = 0): the
    // second pathway moves by little here, so six steps from p₀ reach round-off.
    let pa = p[a]!;
    for (let i = 0; i < 8; i++) pa -= (clock(a, p[a]!, pa) - u) / rate(depths[a]!, c(a))(pa);
    return pa;
  };
  const toCrossing = clock(0, p[0]!, 0);
  const total = (p1: number) => K(0, p1) + K(1, pAt(1, toCrossing + clock(0, 0, p1)));
  let lo = -1e-2;
  let hi = 1e-2;
  // 90 halvings take the bracket from 2e-2 to 2e-29, below one ulp of the p₁ ~ 1e-8 of these cases.
  for (let i = 0; i < 90; i++) {
    const mid = 0.5 * (lo + hi);
    if (total(mid) < S) lo = mid;
    else hi = mid;
  }
  const p1 = 0.5 * (lo + hi);
  return [K(0, p1), K(1, pAt(1, toCrossing + clock(0, 0, p1)))];
}

describe('end-state engine: a large gain that ends near p = 0 (issue 18, the open case)', () => {
  it('initial totals far above (and below) the target with |q|^{D−1} up to 1e8: ≤ 1e-12 of |K| + S/λ', () => {
    // [depths, q, p/q]: the first pathway has the large gain. Before issue 18 the engine located the end from the
    // trajectory's ends and was off by 1.6e-7 (D = 5, |q|^{D−1} = 1e8), 3.0e-6 (D = 3), 1.9e-7 (D = 8, 14^7 ≈ 1e8),
    // 1.3e-8 (from below, D = 5) and 0.25 (D = 2, q = 1e8) relative to |K| + S/λ.
    const cases: [number[], number[], number[]][] = [
      [[5, 5], [100, 0.5], [0.1, 0.1]],
      [[3, 4], [1e4, 0.8], [0.1, 0.3]],
      [[8, 6], [14, 0.9], [0.2, 0.1]],
      [[5, 3], [100, 0.7], [-0.1, 0.2]],
      [[2, 5], [1e8, 0.6], [0.1, 0.1]],
      [[4, 1], [500, 0], [0.3, 0.4]],
    ];
    const S = 2;
    for (const [depths, q, f] of cases) {
      const p = q.map((qa, a) => f[a]! * qa);
      const got = modeEndState(depths, S, 1, q, p);
      const want = crossingReference(depths, S, q, p);
      // The reference's quadrature and bisections are accurate to ~1e-15 of |K| + S; so is the engine now.
      want.forEach((k, a) =>
        expect(Math.abs(got[a]! - k), `${depths} ${q} ${f}, pathway ${a}`).to.be.at.most(1e-12 * (Math.abs(k) + S)),
      );
    }
  });
});
