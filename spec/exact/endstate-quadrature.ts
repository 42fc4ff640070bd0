/**
 * An independent reference for the clock integrals: composite Gauss–Legendre quadrature (nodes computed here by
 * Newton's method on the Legendre recurrence), used only by the end-state specs.
 */

function legendreNodes(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * dp * dp));
  }
  return { x, w };
}

const GL = legendreNodes(20);

/** ∫_a^b f by 20-point Gauss–Legendre on `panels` equal panels. */
export function gaussLegendre(f: (x: number) => number, a: number, b: number, panels = 1): number {
  const h = (b - a) / panels;
  let total = 0;
  for (let k = 0; k < panels; k++) {
    const mid = a + (k + 0.5) * h;
    let s = 0;
    for (let i = 0; i < GL.x.length; i++) s += GL.w[i]! * f(mid + 0.5 * h * GL.x[i]!);
    total += 0.5 * h * s;
  }
  return total;
}

/**
 * ∫_θ^∞ f for an integrand that decays like e^{−rate·φ} (and near 0 no slower than e^{−rate·φ²/2}): geometric
 * panels near θ (for integrands with a power singularity just below θ), then panels of at most 0.05 until the
 * rest is below e^{−45} of the total.
 */
export function tailIntegral(f: (x: number) => number, theta: number, rate: number): number {
  let total = 0;
  // Panels [θ + θ·2^{k−1}, θ + θ·2^k] resolve a φ^{−m} blow-up at 0 when θ is small.
  let a = theta;
  let width = (theta > 0 ? Math.min(theta, 0.05) : 0.05) / 64;
  while (width < 0.05) {
    total += gaussLegendre(f, a, a + width);
    a += width;
    width *= 2;
  }
  // sechᵐ is a Gaussian of width 1/√m near 0 before it decays like e^{−mφ}: cover both, resolve the width.
  const end = a + 45 / rate + 12 / Math.sqrt(rate);
  total += gaussLegendre(f, a, end, Math.ceil((end - a) / Math.min(0.05, 0.3 / Math.sqrt(rate))));
  return total;
}
