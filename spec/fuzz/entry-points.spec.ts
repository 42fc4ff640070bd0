/**
 * Fuzzing the entry points (issue 13, item 1 and 6): hostile JSON-ish input — wrong types, holes, deep
 * nesting, extremes (±1e308, 1e-308, NaN, ±Infinity, -0), unknown and prototype keys, Proxies and getters
 * that throw, huge sizes — each a mutation of a valid input at a random path. The property: the call returns
 * (and an "ok" result holds only finite numbers) or throws a ValidationError/ComputationError; never a
 * TypeError, another RangeError or a stack overflow. Seeded; the entries and their numRuns are in entries.ts.
 * The longer run (≥ 10⁴ per entry point, in watched child processes) is bench/fuzz/run.ts.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { solveReduced } from '../../src/reduced/solve.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { isDlnError } from '../../src/util/errors.ts';
import { ENTRIES, REDUCED, SWEEP } from './entries.ts';
import { hostileInput, allFinite, KNOWN_FAILURES } from './hostile.ts';

const SEED = 13_2026;

function check(entry: string, call: () => unknown, documentedNaN: (json: unknown) => unknown = (json) => json): void {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    if (isDlnError(err)) return;
    throw new Error(`${entry}: escaped ${(err as Error)?.name}: ${(err as Error)?.message?.slice(0, 200)}`);
  }
  const json = (result as { toJSON?: () => unknown })?.toJSON ? (result as { toJSON: () => unknown }).toJSON() : result;
  const status = (json as { status?: unknown })?.status;
  if (status === 'ok' && !allFinite(documentedNaN(json))) throw new Error(`${entry}: an "ok" result holds a non-finite number`);
}

function fuzz(entry: string, base: unknown, numRuns: number, call: (input: unknown) => unknown, documentedNaN?: (json: unknown) => unknown): void {
  const known = KNOWN_FAILURES.filter((k) => k.entry === entry);
  it(`${entry}: ${numRuns} hostile inputs return or throw a DLN error${known.length ? ` (${known.length} known failures skipped)` : ''}`, () => {
    fc.assert(
      fc.property(hostileInput(base), (input) => {
        if (known.some((k) => k.matches(input))) return;
        check(entry, () => call(input), documentedNaN);
      }),
      { seed: SEED, numRuns },
    );
  });
}

describe('fuzz: entry points refuse garbage with DLN errors only (issue 13)', function () {
  this.timeout(60_000);
  for (const entry of ENTRIES) fuzz(entry.name, entry.base, entry.specRuns, entry.call, entry.documentedNaN);

  it('regressions the fuzz found: axis grids with ends near 1e308 stay finite; a Proxy axis is a ValidationError', () => {
    // Before: from·(to/from)^f overflowed (to/from = 1.8e309) and the linear step to − from overflowed.
    const log = parseSweepSpec({ ...SWEEP, axes: { ...SWEEP.axes, sigma: { from: 0.1, to: 1.7976931348623157e308, count: 3, scale: 'log' } } });
    expect(allFinite(log.axes)).to.equal(true);
    // The middle of a log grid is the geometric mean, √(0.1 · 1.797e308) = 4.24e153 (to 12 digits, the grid's rounding).
    expect(log.axes[1]!.values[1]!).to.be.closeTo(Math.sqrt(0.1) * Math.sqrt(1.7976931348623157e308), 1e142);
    const hostile = new Proxy([1, 2], {
      get(target, key) {
        if (typeof key === 'string' && /^\d+$/.test(key)) throw new TypeError('trap');
        return Reflect.get(target, key);
      },
    });
    let err: unknown;
    try {
      parseSweepSpec({ ...SWEEP, axes: { ...SWEEP.axes, depth: hostile } });
    } catch (e) {
      err = e;
    }
    expect(isDlnError(err)).to.equal(true);
  });

  it('the generator reaches every hostile kind (the fuzz is not vacuous)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(hostileInput(REDUCED), (input) => {
        try {
          solveReduced(input);
          seen.add('ran');
        } catch (err) {
          if (isDlnError(err)) seen.add('refused');
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
    // Some mutations are harmless (a valid value), most are refused: both must occur.
    expect([...seen].sort()).to.deep.equal(['ran', 'refused']);
  });
});
