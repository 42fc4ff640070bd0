/** Test and benchmark problems for spec/integrate (not a spec file). */
import type { OdeProblem } from '../../src/integrate/types.ts';

/** y' = −λ y, y(0) = y0; exact y0·e^{−λt}. */
export function decay(lambda = 1, y0 = 1, tEnd = 10): OdeProblem {
  return {
    dimension: 1,
    rhs: (_t, y, dy) => {
      dy[0] = -lambda * y[0]!;
    },
    jacobian: (_t, _y, j) => {
      j[0] = -lambda;
    },
    t0: 0,
    y0: [y0],
    tEnd,
  };
}

/** q' = ω p, p' = −ω q; exact rotation. */
export function oscillator(q0: number, p0: number, tEnd: number, omega = 1, t0 = 0): OdeProblem {
  return {
    dimension: 2,
    rhs: (_t, y, dy) => {
      dy[0] = omega * y[1]!;
      dy[1] = -omega * y[0]!;
    },
    jacobian: (_t, _y, j) => {
      j[0] = 0;
      j[1] = omega;
      j[2] = -omega;
      j[3] = 0;
    },
    t0,
    y0: [q0, p0],
    tEnd,
  };
}

export function oscillatorExact(q0: number, p0: number, t: number, omega = 1, t0 = 0): [number, number] {
  const c = Math.cos(omega * (t - t0));
  const s = Math.sin(omega * (t - t0));
  return [c * q0 + s * p0, -s * q0 + c * p0];
}

/**
 * Two-pathway reduced DLN of depth D = 3 (the benchmark problem of the brief), state (p1, q1, p2, q2):
 * r = S − (p1 q1² + p2 q2²),  p_a' = q_a² r,  q_a' = p_a q_a r, with its analytic Jacobian.
 * Since r' = −r Σ_a (q_a⁴ + 2 p_a² q_a²), once the mode is learned (r → 0) the Jacobian has the eigenvalue
 * −Σ_a (q_a⁴ + 2 p_a² q_a²) (≈ −D S^{2−2/D} when balanced) while the solution is nearly constant: the problem
 * becomes stiff.
 */
export function dln(S: number, p0: number, q0: number, tEnd: number, p0b = p0, q0b = 1.3 * q0): OdeProblem {
  return {
    dimension: 4,
    rhs: (_t, y, dy) => {
      const p1 = y[0]!;
      const q1 = y[1]!;
      const p2 = y[2]!;
      const q2 = y[3]!;
      const r = S - (p1 * q1 * q1 + p2 * q2 * q2);
      dy[0] = q1 * q1 * r;
      dy[1] = p1 * q1 * r;
      dy[2] = q2 * q2 * r;
      dy[3] = p2 * q2 * r;
    },
    jacobian: (_t, y, j) => {
      const p1 = y[0]!;
      const q1 = y[1]!;
      const p2 = y[2]!;
      const q2 = y[3]!;
      const r = S - (p1 * q1 * q1 + p2 * q2 * q2);
      // ∂r/∂(p1, q1, p2, q2)
      const r0 = -q1 * q1;
      const r1 = -2 * p1 * q1;
      const r2 = -q2 * q2;
      const r3 = -2 * p2 * q2;
      // dp1 = q1² r
      j[0] = q1 * q1 * r0;
      j[1] = 2 * q1 * r + q1 * q1 * r1;
      j[2] = q1 * q1 * r2;
      j[3] = q1 * q1 * r3;
      // dq1 = p1 q1 r
      j[4] = q1 * r + p1 * q1 * r0;
      j[5] = p1 * r + p1 * q1 * r1;
      j[6] = p1 * q1 * r2;
      j[7] = p1 * q1 * r3;
      // dp2 = q2² r
      j[8] = q2 * q2 * r0;
      j[9] = q2 * q2 * r1;
      j[10] = q2 * q2 * r2;
      j[11] = 2 * q2 * r + q2 * q2 * r3;
      // dq2 = p2 q2 r
      j[12] = p2 * q2 * r0;
      j[13] = p2 * q2 * r1;
      j[14] = q2 * r + p2 * q2 * r2;
      j[15] = p2 * r + p2 * q2 * r3;
    },
    t0: 0,
    y0: [p0, q0, p0b, q0b],
    tEnd,
  };
}
