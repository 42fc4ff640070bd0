/**
 * Any number of pathways, all of depth 2, any (q₀, p₀) (DESIGN §2.5). With the clock u(t) = ∫ r dt/τ,
 *     p_a = p_a0 cosh u + q_a0 sinh u,   q_a = q_a0 cosh u + p_a0 sinh u,
 * so Σ_a K_a = P E + N/E with E = e^{2u}, P = ¼ Σ (p_a0 + q_a0)², N = −¼ Σ (p_a0 − q_a0)², and
 *     τ dE/dt = 2 (S E − λ P E² − λ N),
 * a Riccati equation with constant coefficients. Its roots E± = (S ± √(S² − 4λ²PN)) / (2λP) are real
 * (N ≤ 0 ≤ P), E₊ > 0 ≥ E₋, and (E − E₊)/(E − E₋) = C e^{−κt} with κ = 2√(S² − 4λ²PN)/τ, C fixed by E(0) = 1.
 * Domain: any initial values, S ≥ 0, λ > 0, τ > 0, t ≥ 0 (S = 0 or a normal float: subnormal S
 * loses precision in the Riccati branch). P = 0 (every p_a0 = −q_a0) is the linear case
 * τ dE/dt = 2(S E − λN).
 */
export interface DepthTwoState {
  /** p[a], q[a] and K[a] = p q at time t. */
  readonly p: number[];
  readonly q: number[];
  readonly strengths: number[];
  /** The clock u(t). */
  readonly u: number;
}

export function depthTwoState(
  p0: readonly number[],
  q0: readonly number[],
  singularValue: number,
  t: number,
  inputVariance = 1,
  tau = 1,
): DepthTwoState {
  const S = singularValue;
  const lambda = inputVariance;
  let P = 0;
  let N = 0;
  for (let a = 0; a < p0.length; a++) {
    P += 0.25 * (p0[a]! + q0[a]!) ** 2;
    N -= 0.25 * (p0[a]! - q0[a]!) ** 2;
  }
  let E: number;
  if (!Number.isFinite(1 / (lambda * P))) {
    // P = 0 (or so small that 1/P overflows, where the P E² term is negligible): τ dE/dt = 2(S E − λN).
    // E = e^{2St/τ} − λN (e^{2St/τ} − 1)/S, with the quotient from expm1 so that S → 0 gives 1 − 2λNt/τ.
    const growth = ((2 * t) / tau) * expm1OverX((2 * S * t) / tau);
    E = Math.exp((2 * S * t) / tau) - lambda * N * growth;
  } else {
    const root = Math.sqrt(S * S - 4 * lambda * lambda * P * N);
    if (root === 0) {
      // S = 0 and N = 0: τ dE/dt = −2λP E².
      E = 1 / (1 + (2 * lambda * P * t) / tau);
    } else {
      const Eplus = (S + root) / (2 * lambda * P);
      // E₋ from the product of the roots (N/P), which avoids cancelling S against the square root.
      const Eminus = (2 * lambda * N) / (S + root);
      // E = (E₊ − E₋ C e^{−x}) / (1 − C e^{−x}), x = 2·root·t/τ, C = (1 − E₊)/(1 − E₋). Each of numerator and
      // denominator is evaluated as a sum of non-negative terms (using 1 − C = root/(λP(1 − E₋)) and
      // m = 1 − e^{−x} from expm1), so neither cancels, whichever side of 1 E₊ lies and however small root is.
      const C = (1 - Eplus) / (1 - Eminus);
      const A = root / (lambda * P * (1 - Eminus));
      const decay = Math.exp((-2 * root * t) / tau);
      const m = -Math.expm1((-2 * root * t) / tau);
      E = C >= 0 ? (Eplus - Eminus * C * decay) / (A + C * m) : (A + Eminus * C * m) / (1 - C * decay);
    }
  }
  const u = 0.5 * Math.log(E);
  const ch = Math.cosh(u);
  const sh = Math.sinh(u);
  const p = p0.map((pa, a) => pa * ch + q0[a]! * sh);
  const q = q0.map((qa, a) => qa * ch + p0[a]! * sh);
  return { p, q, strengths: p.map((pa, a) => pa * q[a]!), u };
}

/** (e^x − 1)/x, accurate for every x including 0 and subnormal x (where expm1(x)/x would lose bits). */
function expm1OverX(x: number): number {
  return Math.abs(x) < 1e-5 ? 1 + x / 2 + (x * x) / 6 : Math.expm1(x) / x;
}
