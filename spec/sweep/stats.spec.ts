import { expect } from 'chai';
import { studentQuantile975, studentTwoSided, summarize } from '../../src/sweep/stats.ts';

describe('confidence intervals', () => {
  it('reproduces tabulated t_{0.975, ν} (Abramowitz & Stegun table 26.10, to its 3 decimals)', () => {
    const table: [number, number][] = [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [9, 2.262], [10, 2.228], [20, 2.086], [30, 2.042], [120, 1.980]];
    // Tabulated values are rounded to 3 decimals, so agreement within 5e-4 is all the table can confirm.
    for (const [nu, t] of table) expect(studentQuantile975(nu)).to.be.closeTo(t, 5e-4);
  });

  it('has the closed forms at ν = 1 (Cauchy) and ν = 2', () => {
    // ν = 1: t = tan(0.475 π); ν = 2: t = (2p − 1)/√(2p(1 − p)) at p = 0.975.
    expect(studentQuantile975(1)).to.be.closeTo(Math.tan(0.475 * Math.PI), 1e-10);
    const p = 0.975;
    expect(studentQuantile975(2)).to.be.closeTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-10);
  });

  it('tends to the normal quantile 1.959964 as ν grows', () => {
    // The t-quantile exceeds z by about (z³ + z)/(4ν) ≈ 0.0024 at ν = 1000.
    expect(studentQuantile975(1000) - 1.959964).to.be.within(0.002, 0.003);
    expect(studentTwoSided(1.959964, 100000)).to.be.closeTo(0.95, 1e-4);
  });

  it('summarizes: mean, sample sd, and mean ∓ t·sd/√n', () => {
    const s = summarize([1, 2, 3]);
    expect(s.n).to.equal(3);
    expect(s.mean).to.equal(2);
    expect(s.sd).to.equal(1);
    const t2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025); // t_{0.975,2} from its closed form
    const half = (t2 * 1) / Math.sqrt(3);
    expect(s.ciLow!).to.be.closeTo(2 - half, 1e-12);
    expect(s.ciHigh!).to.be.closeTo(2 + half, 1e-12);
    expect(summarize([5])).to.deep.equal({ n: 1, mean: 5, sd: null, ciLow: null, ciHigh: null });
    expect(summarize([])).to.deep.include({ n: 0, mean: null });
  });
});
