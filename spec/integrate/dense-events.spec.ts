import { expect } from 'chai';
import fc from 'fast-check';
import { integrate, integrators } from '../../src/integrate/index.ts';
import type { EventFunction, MethodName } from '../../src/integrate/types.ts';
import { decay, dln, oscillator, oscillatorExact } from './problems.ts';

const methods: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];

describe('integrate: dense output', () => {
  for (const m of methods) {
    it(`${m}: evaluate between steps matches the exact solution to tolerance`, () => {
      const rtol = 1e-8;
      const s = integrate(oscillator(1, 0.5, 12), { rtol, atol: rtol }, m);
      expect(s.status).to.equal('ok');
      fc.assert(
        fc.property(fc.double({ min: 0, max: 12, noNaN: true }), (t) => {
          const y = s.evaluate(t);
          const [q, p] = oscillatorExact(1, 0.5, t);
          // The interpolants have local order ≥ 4 (DOPRI5: 4th-order continuous extension; RODAS4: 3rd-order;
          // odex: its own, reproduced exactly by 20 Chebyshev samples). Measured max dense error / rtol ≤ 4.1
          // over [0, 10] at rtol 1e-4 … 1e-10; bound 20 · rtol (amplitude ≈ 1.1).
          expect(Math.hypot(y[0]! - q, y[1]! - p)).to.be.below(20 * rtol);
        }),
        { seed: 99, numRuns: 300 },
      );
    });
  }

  it('evaluate fills and returns the given buffer, allocates when omitted, and is exact at the ends', () => {
    const s = integrate(decay(1, 2, 3), { rtol: 1e-10, atol: 1e-12 });
    const out = new Float64Array(1);
    expect(s.evaluate(1.5, out)).to.equal(out);
    expect(s.evaluate(1.5)).to.not.equal(out);
    expect(s.evaluate(0)[0]).to.equal(2);
    expect(s.evaluate(3)[0]).to.equal(s.yEnd[0]);
    expect(s.dimension).to.equal(1);
  });

  it('evaluate outside [tStart, tReached] throws a RangeError naming the range', () => {
    for (const m of methods) {
      const s = integrate(decay(1, 1, 2), { rtol: 1e-8, atol: 1e-10 }, m);
      expect(() => s.evaluate(-0.1)).to.throw(RangeError, /\[0, 2\]/);
      expect(() => s.evaluate(2.0000001)).to.throw(RangeError, /outside/);
      expect(() => s.evaluate(Number.NaN)).to.throw(RangeError);
    }
  });

  it('auto: the dense output is continuous across the hand-over to rosenbrock', () => {
    const s = integrate(dln(5, 0.01, 0.5, 200), { rtol: 1e-8, atol: 1e-10 });
    expect(s.status).to.equal('ok');
    expect(s.stiffFrom).to.be.a('number');
    const ts = s.stiffFrom!;
    const a = s.evaluate(ts * (1 - 1e-12));
    const b = s.evaluate(ts);
    const c = s.evaluate(Math.min(200, ts * (1 + 1e-12)));
    // Both pieces interpolate the same accepted state at the switch time, so the jump is rounding-level
    // (values are O(1); derivatives O(1) times a 1e-11 time offset).
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(a[i]! - b[i]!)).to.be.below(1e-10);
      expect(Math.abs(c[i]! - b[i]!)).to.be.below(1e-10);
    }
    // Reference with dopri5 alone at the same tolerance: the pieces agree with it (≤ 20 rtol, cf. agreement).
    const ref = integrate(dln(5, 0.01, 0.5, 200), { rtol: 1e-8, atol: 1e-10 }, 'dopri5');
    for (const t of [ts / 2, ts, (ts + 200) / 2, 200]) {
      const y = s.evaluate(t);
      const r = ref.evaluate(t);
      for (let i = 0; i < 4; i++) expect(Math.abs(y[i]! - r[i]!)).to.be.below(2e-7);
    }
  });
});

describe('integrate: events', () => {
  for (const m of methods) {
    it(`${m}: y = e^{−t} crosses 0.5 at ln 2 (to 1e-10)`, () => {
      const ev: EventFunction = { g: (_t, y) => y[0]! - 0.5 };
      const s = integrate(decay(1, 1, 3), { rtol: 1e-12, atol: 1e-14, events: [ev] }, m);
      expect(s.status).to.equal('ok');
      expect(s.events).to.have.length(1);
      const hit = s.events[0]!;
      expect(hit.index).to.equal(0);
      // Root of the interpolant to ~1e-13 in t; the interpolant is within ~rtol · y = 5e-13 of e^{−t}, whose
      // slope is −0.5, so the located time is within ~1e-12 of ln 2; 1e-10 as asked.
      expect(hit.t).to.be.closeTo(Math.LN2, 1e-10);
      expect(hit.y[0]).to.be.closeTo(0.5, 1e-11);
    });

    it(`${m}: direction filtering on q = cos t (down at π/2 + 2kπ, up at 3π/2 + 2kπ)`, () => {
      const both: EventFunction = { g: (_t, y) => y[0]! };
      const down: EventFunction = { g: (_t, y) => y[0]!, direction: -1 };
      const up: EventFunction = { g: (_t, y) => y[0]!, direction: 1 };
      const s = integrate(oscillator(1, 0, 10), { rtol: 1e-10, atol: 1e-12, events: [both, down, up] }, m);
      expect(s.status).to.equal('ok');
      const times = (k: number) => s.events.filter((e) => e.index === k).map((e) => e.t);
      const h = Math.PI / 2;
      // cos t on [0, 10] vanishes at π/2, 3π/2, 5π/2 (≈ 7.85); the next zero 7π/2 ≈ 11 is past the end.
      const expected = { both: [h, 3 * h, 5 * h], down: [h, 5 * h], up: [3 * h] };
      // Interpolant error ≈ rtol, slope of cos at its zeros is ±1: times within ~1e-10; bound 1e-8.
      const close = (got: number[], want: number[]) => {
        expect(got).to.have.length(want.length);
        got.forEach((t, i) => expect(t).to.be.closeTo(want[i]!, 1e-8));
      };
      close(times(0), expected.both);
      close(times(1), expected.down);
      close(times(2), expected.up);
      // Hits are in time order.
      const all = s.events.map((e) => e.t);
      expect(all).to.deep.equal([...all].sort((a, b) => a - b));
    });

    it(`${m}: a terminal event stops the integration at the crossing`, () => {
      const stop: EventFunction = { g: (_t, y) => y[0]! - 0.25, terminal: true };
      const s = integrate(decay(1, 1, 10), { rtol: 1e-10, atol: 1e-12, events: [stop] }, m);
      expect(s.status).to.equal('stopped');
      expect(s.events).to.have.length(1);
      // ln 4 located to 1e-12-ish (see the ln 2 case); 1e-8 is ample.
      expect(s.tReached).to.be.closeTo(Math.log(4), 1e-8);
      expect(s.events[0]!.t).to.equal(s.tReached);
      expect(s.yEnd[0]).to.be.closeTo(0.25, 1e-9);
      expect(() => s.evaluate(s.tReached + 1e-9)).to.throw(RangeError);
      expect(s.evaluate(s.tReached)[0]).to.equal(s.yEnd[0]);
    });
  }

  it('hits before a terminal event are kept, later ones are not reported', () => {
    // q = cos t, p = −sin t. q crosses 0 at π/2 (non-terminal); p − 0.5 crosses upward at 7π/6 ≈ 3.67
    // (terminal); q's next zero at 3π/2 ≈ 4.71 must not be reported.
    const evs: EventFunction[] = [{ g: (_t, y) => y[0]! }, { g: (_t, y) => y[1]! - 0.5, direction: 1, terminal: true }];
    for (const m of methods) {
      const s = integrators[m](oscillator(1, 0, 10), { rtol: 1e-10, atol: 1e-12, events: evs });
      expect(s.status, m).to.equal('stopped');
      expect(s.events.map((e) => e.index)).to.deep.equal([0, 1]);
      expect(s.events[0]!.t).to.be.closeTo(Math.PI / 2, 1e-8);
      expect(s.tReached).to.be.closeTo((7 * Math.PI) / 6, 1e-8);
    }
  });

  it('auto: events are located in both the dopri5 and the rosenbrock piece, and a terminal one stops all', () => {
    // D = 3 DLN learning: the network output Σ p q² rises to S around t ≈ 0.4 (non-stiff dopri5 piece);
    // stiffness is detected at t ≈ 4, after which events at t = 20 and (terminal) t = 50 fall in the
    // rosenbrock piece.
    const S = 5;
    const out = (y: Float64Array) => y[0]! * y[1]! * y[1]! + y[2]! * y[3]! * y[3]!;
    const evs: EventFunction[] = [
      { g: (_t, y) => out(y) - S / 2 },
      { g: (t) => t - 20 },
      { g: (t) => t - 50, terminal: true },
    ];
    const s = integrate(dln(S, 0.01, 0.5, 200), { rtol: 1e-9, atol: 1e-11, events: evs });
    const ref = integrate(dln(S, 0.01, 0.5, 200), { rtol: 1e-9, atol: 1e-11, events: evs }, 'dopri5');
    expect(s.status).to.equal('stopped');
    expect(ref.status).to.equal('stopped');
    expect(s.stiffFrom).to.be.a('number');
    expect(s.events.map((e) => e.index)).to.deep.equal([0, 1, 2]);
    expect(s.events[0]!.t).to.be.below(s.stiffFrom!);
    expect(s.events[1]!.t).to.be.above(s.stiffFrom!);
    // The half-way time agrees with dopri5 alone: both locate the root of their interpolant to ~1e-13, and
    // the states differ by ≲ 20 rtol (agreement spec) on a slope of order S; 1e-6 is generous.
    expect(s.events[0]!.t).to.be.closeTo(ref.events[0]!.t, 1e-6);
    // Time events are exact up to the root finder's tolerance (1e-13 relative).
    expect(s.events[1]!.t).to.be.closeTo(20, 1e-10);
    expect(s.events[2]!.t).to.be.closeTo(50, 1e-10);
    expect(s.tReached).to.equal(s.events[2]!.t);
    // The state at the stop is on the learned manifold (output = S to the tolerance scale).
    expect(out(s.yEnd)).to.be.closeTo(S, 1e-7);
  });
});
