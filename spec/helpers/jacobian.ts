/** Central finite differences of a right-hand side: the independent check of analytic Jacobians. */
import type { RightHandSide } from '../../src/integrate/types.ts';

/** Row-major n × n matrix ∂f_i/∂y_j at (t = 0, y), steps 1e-6·max(1, |y_j|) (error O(h²) ≈ 1e-12 relative). */
export function finiteDifferenceJacobian(model: { dimension: number; rhs: RightHandSide }, y: Float64Array): Float64Array {
  const n = model.dimension;
  const jac = new Float64Array(n * n);
  const fPlus = new Float64Array(n);
  const fMinus = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const h = 1e-6 * Math.max(1, Math.abs(y[j]!));
    const yp = Float64Array.from(y);
    const ym = Float64Array.from(y);
    yp[j] = y[j]! + h;
    ym[j] = y[j]! - h;
    model.rhs(0, yp, fPlus);
    model.rhs(0, ym, fMinus);
    for (let i = 0; i < n; i++) jac[i * n + j] = (fPlus[i]! - fMinus[i]!) / (2 * h);
  }
  return jac;
}
