/**
 * The gated problem at its boundary: every kind of bad input named by its field, and a seeded fuzz over
 * hostile mutations of a valid problem (nesting, holes, wrong types, extremes, prototype keys): solveGated
 * either returns finite records or throws an error of the package's family.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { solveGated } from '../../src/gated/solve.ts';
import { isDlnError, ValidationError } from '../../src/util/errors.ts';
import { checkCost, estimateCost } from '../../src/gated/cost.ts';
import { parseGatedProblem } from '../../src/gated/problem.ts';

function small(): Record<string, unknown> {
  return {
    graph: {
      nodes: [
        { id: 'x', size: 2, kind: 'input' },
        { id: 'h', size: 2 },
        { id: 'y', size: 2, kind: 'output' },
      ],
      edges: [
        { id: 'e1', from: 'x', to: 'h' },
        { id: 'e2', from: 'h', to: 'y' },
      ],
    },
    contexts: [
      { weight: 0.5, inputs: { x: [[1, 0], [0, 1]] }, targets: { y: [[2, 0], [0, 1]] } },
      { weight: 0.5, inputs: { x: [[1, 0], [0, 1]] }, targets: { y: [[2, 0], [0, 1]] }, gates: { edges: { e1: 1 } } },
    ],
    init: { gaussian: { sigma: 0.5, seed: 1 } },
    train: { method: 'gd', learningRate: 0.1, steps: 3, recordEvery: 1 },
  };
}

type Edit = (p: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('gated problem: bad input is named by its field', () => {
  const cases: [string, Edit, string, RegExp][] = [
    ['a cycle, named', (p) => p.graph.edges.push({ id: 'back', from: 'h', to: 'h' }), 'graph.edges', /h → h.*cycle/],
    ['a longer cycle', (p) => {
      p.graph.nodes.push({ id: 'g', size: 2 });
      p.graph.edges.push({ id: 'hg', from: 'h', to: 'g' }, { id: 'gh', from: 'g', to: 'h' });
    }, 'graph.edges', /(h → g → h|g → h → g)/],
    ['an unknown node id', (p) => (p.graph.edges[0].to = 'nowhere'), 'graph.edges[0].to', /id of a node/],
    ['a duplicate node id', (p) => p.graph.nodes.push({ id: 'h', size: 3 }), 'graph.nodes[3].id', /unique/],
    ['a node size 0', (p) => (p.graph.nodes[1].size = 0), 'graph.nodes[1].size', /integer ≥ 1/],
    ['an edge into an input', (p) => (p.graph.edges[1].to = 'x'), 'graph.edges[1].to', /not an input/],
    ['no output node', (p) => (p.graph.nodes[2].kind = 'hidden'), 'graph.nodes', /output/],
    ['an unknown edge in the gates', (p) => (p.contexts[1].gates.edges = { nope: 1 }), 'contexts[1].gates.edges.nope', /known id/],
    ['a non-finite gate', (p) => (p.contexts[1].gates.edges.e1 = Number.NaN), 'contexts[1].gates.edges.e1', /finite/],
    ['items disagreeing across nodes', (p) => (p.contexts[0].targets.y = [[1, 2, 3], [4, 5, 6]]), 'contexts[0].targets.y[0].length', /2 \(every row/],
    ['an input matrix with the wrong rows', (p) => (p.contexts[0].inputs.x = [[1, 0]]), 'contexts[0].inputs.x.length', /2/],
    ['a target under an input node', (p) => (p.contexts[0].targets = { x: [[1, 0], [0, 1]] }), 'contexts[0].targets.x', /output node/],
    ['a negative context weight', (p) => (p.contexts[0].weight = -0.5), 'contexts[0].weight', /≥ 0/],
    ['weights not summing to 1', (p) => (p.contexts[0].weight = 0.25), 'contexts[*].weight', /summing to 1/],
    ['a non-finite weight', (p) => (p.contexts[0].weight = Number.POSITIVE_INFINITY), 'contexts[0].weight', /finite/],
    ['init weights of the wrong shape', (p) => (p.init = { weights: { e1: [[1, 0], [0, 1]], e2: [[1, 0, 0], [0, 1, 0]] } }), 'init.weights.e2[0].length', /2/],
    ['init weights missing an edge', (p) => (p.init = { weights: { e1: [[1, 0], [0, 1]] } }), 'init.weights.e2', /every edge/],
    ['two inits', (p) => (p.init = { gaussian: { sigma: 1, seed: 1 }, orthogonal: { gain: 1, seed: 1 } }), 'init', /exactly one/],
    ['an unknown init', (p) => (p.init = { xavier: { gain: 1 } }), 'init.xavier', /decoupled/],
    ['a fractional seed', (p) => (p.init = { gaussian: { sigma: 1, seed: 0.5 } }), 'init.gaussian.seed', /integer/],
    ['a zero learning rate', (p) => (p.train.learningRate = 0), 'train.learningRate', /> 0/],
    ['times not increasing', (p) => (p.train = { method: 'flow', times: [0, 2, 1] }), 'train.times[2]', /increasing/],
    ['an unknown engine', (p) => (p.engine = 'magic'), 'engine', /network.*reduced/],
    ['an unknown top-level field', (p) => (p.contxts = []), 'contxts', /no such field/],
    ['a hole in a matrix row', (p) => (p.contexts[0].inputs.x = [[1, , 0].slice(0, 2), [0, 1]]), 'contexts[0].inputs.x[0][1]', /missing|number/],
  ];
  for (const [name, edit, field, allowed] of cases) {
    it(name, () => {
      const p = small();
      edit(p as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        solveGated(p);
        expect.fail('expected a ValidationError');
      } catch (err) {
        expect(err, String(err)).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).field).to.equal(field);
        expect((err as Error).message).to.match(allowed);
      }
    });
  }

  it('the valid base problem runs', () => {
    const r = solveGated(small());
    expect(r.status).to.equal('ok');
    expect(r.records.map((x) => x.step)).to.deep.equal([0, 1, 2, 3]);
  });
});

describe('gated problem: hostile mutations never crash and never report non-finite numbers as ok', () => {
  const garbage = fc.oneof(
    fc.constantFrom<unknown>(null, undefined, true, '', '1', -0, 0, 1e308, -1e308, 1e-308, Number.NaN, Number.POSITIVE_INFINITY, [], {}, [[]], [[1e308]], { __proto__: null }),
    fc.double(),
    fc.integer({ min: -5, max: 1e6 }),
    fc.string({ maxLength: 8 }),
  );

  /** Every path (a list of keys) into a value, to pick one to replace. */
  function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
    out.push(prefix);
    if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...prefix, k], out);
    return out;
  }

  function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): unknown {
    if (path.length === 0) return value;
    let node: any = root; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; i < path.length - 1; i++) node = node[path[i]!];
    node[path[path.length - 1]!] = value;
    return root;
  }

  function check(input: unknown): void {
    let result;
    try {
      // Tight limits: the fuzz must refuse big work up front, not run it.
      result = solveGated(input, { limits: { seconds: 0.5, memoryBytes: 1e8 } });
    } catch (err) {
      expect(isDlnError(err), `not of the family: ${String(err)}`).to.equal(true);
      return;
    }
    if (result.status === 'ok') {
      for (const r of result.records) {
        expect(Number.isFinite(r.loss)).to.equal(true);
        for (const e of Object.values(r.edges)) for (const s of e.singularValues) expect(Number.isFinite(s)).to.equal(true);
      }
    }
  }

  it('one field replaced by garbage (2,000 seeded cases)', () => {
    const base = small();
    const all = paths(base);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), garbage, (k, value) => {
        check(setAt(structuredClone(base), all[k]!, value));
      }),
      { seed: 14, numRuns: 2000 },
    );
  });

  it('nesting 5,000 deep, cycles of ids, huge sizes and prototype keys', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    const cases: unknown[] = [deep, { ...small(), graph: deep }, { ...small(), contexts: [deep] }];
    const huge = small() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    huge.graph.nodes[1].size = 1e9;
    cases.push(huge);
    cases.push(JSON.parse('{"__proto__": {"graph": 1}, "graph": 2}'));
    cases.push(Object.create({ graph: small().graph }));
    for (const c of cases) check(c);
  });

  it('extreme but valid numbers: a learning rate of 1e300 fails with a message, not a non-finite "ok"', () => {
    const p = small() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    p.train.learningRate = 1e300;
    p.train.steps = 5;
    const r = solveGated(p);
    expect(r.status).to.equal('failed');
    expect(r.message).to.match(/non-finite/);
  });
});

describe('gated problem: work is costed before it starts', () => {
  it('a billion steps are refused up front, naming the estimate and the option that raises the limit', () => {
    const p = small() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    p.train = { method: 'gd', learningRate: 0.1, steps: 1e9, recordEvery: 1 };
    expect(() => solveGated(p)).to.throw(ValidationError, /^problem: got "an estimated .* records\)"; allowed: at most 2\.0 GiB.*limits\.memoryBytes/);
    p.train.recordEvery = 1e8;
    expect(() => solveGated(p)).to.throw(ValidationError, /estimated .* s of work.*limits\.seconds, dln gdln --max-time/);
  });

  it('the estimate grows with steps, records and width, and a raised limit lets the problem through', () => {
    const cost = (edit: Edit) => {
      const p = small();
      edit(p as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
      return estimateCost(parseGatedProblem(p));
    };
    const base = cost(() => undefined);
    expect(cost((p) => (p.train.steps = 300)).seconds).to.be.above(base.seconds);
    expect(cost((p) => (p.train.recordEvery = 3)).memoryBytes).to.be.below(base.memoryBytes);
    expect(cost((p) => (p.graph.nodes[1].size = 200)).seconds).to.be.above(base.seconds);
    const p = small() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    p.train.steps = 1e9;
    p.train.recordEvery = 1e9;
    const parsed = parseGatedProblem(p);
    expect(() => checkCost(parsed, { seconds: 1e9 })).not.to.throw();
    expect(() => solveGated(p, { limits: { seconds: -1 } })).to.throw(ValidationError, /options\.limits\.seconds/);
    expect(() => solveGated(p, { limitz: {} } as never)).to.throw(ValidationError, /options\.limitz/);
  });
});
