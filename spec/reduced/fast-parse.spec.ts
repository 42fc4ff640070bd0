/**
 * The fast path of reduced-problem validation (parsePlainProblem, src/reduced/problem.ts) accepts exactly what the
 * named checks (checkReducedProblem) accept for plain input, with the same values, bit for bit; everything else
 * is left to the checks, so parseReducedProblem's answers and errors are the checks'.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { checkReducedProblem, MAX_DEPTH, parsePlainProblem, parseReducedProblem, type NormalisedProblem } from '../../src/reduced/problem.ts';
import { SEED } from '../helpers/arbitraries.ts';

const layered = () => ({
  singularValues: [3, 1.5],
  inputVariances: [1, 0.5],
  depths: [3, 1],
  tau: 2,
  init: {
    layers: [
      [
        [0.5, -0.7],
        [1, 0.2],
        [0.01, -0],
      ],
      [[0.4, -0.03]],
    ],
  },
  times: [0, 0.5, 2],
  solver: { method: 'auto', rtol: 1e-8, atol: 1e-10, maxSteps: 1000 },
});

const balanced = () => ({
  singularValues: [3, -0, 1.5],
  depths: [4, 2, 1],
  init: {
    q: [
      [0.5, -0.7, 1],
      [1, 0.2, 1],
      [0, 0, 0],
    ],
    p: [
      [0.1, -0.2, 0.01],
      [-0.3, 0.05, 0.01],
      [0.4, -0, 0.01],
    ],
  },
  times: [0, 10],
});

/** The checks' reading, or the error message when they reject. */
function checked(problem: unknown, timesOptional = false): NormalisedProblem | string {
  try {
    return checkReducedProblem(problem, { timesOptional });
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Where a and b differ (numbers by Object.is, so -0 and 0 differ; typed arrays element by element), or null. */
function difference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (a instanceof Float64Array || b instanceof Float64Array) {
    if (!(a instanceof Float64Array && b instanceof Float64Array) || a.length !== b.length) return `${path}: not the same typed array`;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `${path}[${i}]: ${a[i]} vs ${b[i]}`;
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return `${path}: not the same array`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} vs ${kb.join()}`;
    for (const k of ka) {
      const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${String(a)} vs ${String(b)}`;
}

/** The fast path agrees with the checks on `problem`: it accepts iff they do (plain input), with the same values. */
function agrees(problem: unknown, timesOptional = false): void {
  const fast = parsePlainProblem(problem, { timesOptional });
  const slow = checked(problem, timesOptional);
  if (fast === null) {
    expect(slow, 'the fast path declined what the checks accept').to.be.a('string');
    return;
  }
  expect(slow, 'the fast path accepted what the checks reject').to.not.be.a('string');
  expect(difference(fast, slow)).to.equal(null);
}

describe('reduced problems: the fast path of validation', () => {
  it('reads plain per-layer and balanced problems exactly as the checks do (-0 as 0, defaults filled in)', () => {
    const cases: unknown[] = [
      layered(),
      { ...layered(), solver: undefined, tau: undefined, inputVariances: undefined },
      { ...layered(), solver: { method: 'dop853' } },
      { ...layered(), solver: {} },
      balanced(),
      { ...balanced(), solver: { rtol: 1e-6, atol: 3e-4 } },
    ];
    for (const problem of cases) {
      const fast = parsePlainProblem(problem);
      expect(fast).to.not.equal(null);
      expect(difference(fast, checked(problem))).to.equal(null);
      expect(difference(parseReducedProblem(problem), fast)).to.equal(null);
    }
    expect(Object.is(parsePlainProblem(balanced())!.singularValues[1], 0)).to.equal(true);
    // times may be absent for end states, read as [0].
    const { times: _times, ...timeless } = balanced();
    expect(difference(parsePlainProblem(timeless, { timesOptional: true }), checked(timeless, true))).to.equal(null);
    expect(parsePlainProblem(timeless)).to.equal(null);
  });

  it('leaves every other form and every rejected value to the checks', () => {
    const v = layered();
    const b = balanced();
    const thrower = { ...v };
    Object.defineProperty(thrower, 'depths', { enumerable: true, get: () => { throw new Error('no'); } });
    const inherited = Object.assign(Object.create({ inputVariances: [1, 1] }) as object, v);
    const cases: unknown[] = [
      null,
      [v],
      { ...v, extra: 1 },
      { ...v, tau: 0 },
      { ...v, tau: Infinity },
      { ...v, times: [0, 2, 2] },
      { ...v, times: [-1, 2] },
      { ...v, times: [] },
      { ...v, singularValues: [3, -1] },
      { ...v, singularValues: new Float64Array([3, 1.5]) },
      { ...v, inputVariances: [1, -0] },
      { ...v, depths: [3, 1.5] },
      { ...v, depths: [MAX_DEPTH + 1, 1] },
      { ...v, solver: { method: 'euler' } },
      { ...v, solver: { rtol: 1e-14 } },
      { ...v, solver: { atol: 1 } }, // beyond 1e-3·max S/λ = 3e-3
      { ...v, solver: { method: 'dop853', atol: 1e-3 } }, // beyond dop853's 1e-4·max S/λ
      { ...v, solver: { maxSteps: 0.5 } },
      { ...v, solver: { tolerance: 1 } },
      { ...v, init: { layers: v.init.layers, q: undefined } },
      { ...v, init: { layers: [v.init.layers[0]] } },
      { ...v, init: { layers: [v.init.layers[0], [[0.4]]] } },
      { ...v, init: { wideGaussian: { sigma: 0.5, width: 10, seed: 1 } } },
      { ...b, init: { q: b.init.q } },
      { ...b, init: { ...b.init, layers: undefined } },
      { ...b, init: { q: b.init.q, p: [b.init.p[0], b.init.p[1], [0.4, NaN, 0]] } },
      // eslint-disable-next-line no-sparse-arrays
      { ...b, init: { q: b.init.q, p: [b.init.p[0], b.init.p[1], [0.4, , 0]] } },
      thrower,
      new Proxy(v, { ownKeys: () => { throw new Error('no'); } }),
      inherited,
    ];
    cases.forEach((problem, i) => expect(parsePlainProblem(problem), `case ${i}`).to.equal(null));
    // The checks reject every one of them but the wide-Gaussian init (valid there: their business).
    const validThere = [22];
    cases.forEach((problem, i) => expect(typeof checked(problem) === 'string', `case ${i}`).to.equal(!validThere.includes(i)));
  });

  it('accepts what the checks accept and nothing else, with the same values (fast-check mutations)', () => {
    const entry = fc.oneof(
      fc.double(),
      fc.integer({ min: -2, max: 1100 }),
      fc.constantFrom<unknown>(undefined, null, '1', 'auto', 'dop853', 'euler', true, [], [1], {}, -0, 1e-13, 1e-3, 1e308, Infinity),
    );
    const layerPath = fc.constantFrom<(string | number)[]>(
      ['singularValues', 0],
      ['singularValues', 2],
      ['inputVariances', 1],
      ['inputVariances'],
      ['depths', 0],
      ['depths', 1],
      ['tau'],
      ['times', 1],
      ['times', 3],
      ['times'],
      ['init', 'layers', 0, 2, 1],
      ['init', 'layers', 1, 0],
      ['init', 'layers', 1, 1],
      ['init', 'q'],
      ['solver', 'method'],
      ['solver', 'rtol'],
      ['solver', 'atol'],
      ['solver', 'maxSteps'],
      ['solver', 'other'],
      ['solver'],
      ['other'],
    );
    const balancedPath = fc.constantFrom<(string | number)[]>(
      ['singularValues', 1],
      ['depths', 2],
      ['init', 'q', 1, 0],
      ['init', 'p', 2, 1],
      ['init', 'p', 3],
      ['init', 'p'],
      ['init', 'layers'],
      ['init'],
      ['times', 0],
      ['solver'],
    );
    const mutate = (problem: Record<string, unknown>, mutations: [(string | number)[], unknown][]): void => {
      for (const [keys, value] of mutations) {
        let target = problem as Record<string | number, unknown>;
        for (const key of keys.slice(0, -1)) {
          if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
          target = target[key] as Record<string | number, unknown>;
        }
        target[keys[keys.length - 1]!] = value;
      }
    };
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(layerPath, entry), { maxLength: 3 }), fc.array(fc.tuple(balancedPath, entry), { maxLength: 3 }), (timesOptional, lm, bm) => {
        const lp = layered() as unknown as Record<string, unknown>;
        mutate(lp, lm);
        agrees(lp, timesOptional);
        const bp = balanced() as unknown as Record<string, unknown>;
        mutate(bp, bm);
        agrees(bp, timesOptional);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
