/**
 * Choice parameters of sweeps (issue 15: the learning rule is a sweep parameter): entries parsed by the
 * parameter's registration, coordinates as positions in the spec's list, labels in the CSV, the plots and the
 * point seeds, refused with engines that do not read them.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ValidationError } from '../../src/util/errors.ts';
import { networkSpec } from '../../src/sweep/engines.ts';
import { pointAt, pointCount, pointParameters } from '../../src/sweep/points.ts';
import { buildResults, resultsCsv } from '../../src/sweep/results.ts';
import type { PointRecord } from '../../src/sweep/run-point.ts';
import { parseSweepSpec, specToJson } from '../../src/sweep/spec.ts';
import { sweepChart } from '../../src/sweep/plots.ts';

const BASE = {
  name: 'rules',
  engine: 'network',
  seed: 3,
  seeds: 2,
  time: 5,
  fixed: { sigma: 0.3, width: 8, pathways: 2 },
  axes: { rule: ['gd', 'fa', { kind: 'fa', rho: 0.5 }, 'dfa'], depth: [2, 3] },
  measures: ['winnerShare'],
};

function refusal(spec: unknown): ValidationError {
  try {
    parseSweepSpec(spec);
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('sweep choice parameters (the learning rule)', () => {
  const spec = parseSweepSpec(BASE);

  it('stores an axis of choices as positions, with the canonical entries and their labels', () => {
    expect(spec.axes[0]).to.deep.equal({ name: 'rule', values: [0, 1, 2, 3] });
    expect(spec.choices?.['rule']?.map((c) => c.label)).to.deep.equal(['gd', 'fa ρ=0', 'fa ρ=0.5', 'dfa']);
    expect(pointCount(spec)).to.equal(4 * 2 * 2);
  });

  it('round-trips through its JSON form, and a spec without choices keeps its JSON unchanged', () => {
    const json = specToJson(spec);
    expect((json['axes'] as Record<string, unknown>)['rule']).to.deep.equal(['gd', { kind: 'fa', rho: 0 }, { kind: 'fa', rho: 0.5 }, 'dfa']);
    expect(parseSweepSpec(json)).to.deep.equal(spec);
    const fixedRule = parseSweepSpec({ ...BASE, fixed: { ...BASE.fixed, rule: { kind: 'fa', rho: 1 } }, axes: { depth: [2, 3] } });
    expect(fixedRule.fixed['rule']).to.equal(0);
    expect((specToJson(fixedRule)['fixed'] as Record<string, unknown>)['rule']).to.deep.equal({ kind: 'fa', rho: 1 });
    expect(parseSweepSpec(specToJson(fixedRule))).to.deep.equal(fixedRule);
    const plain = parseSweepSpec({ ...BASE, axes: { depth: [2, 3] } });
    expect(plain).to.not.have.property('choices');
    // The stored form of earlier sweeps: the parsed fields in order, axes last, nothing added.
    expect(Object.keys(specToJson(plain))).to.deep.equal([...Object.keys(plain).filter((k) => k !== 'axes'), 'axes']);
  });

  it('hashes a choice by its label: reordering the list keeps each rule’s seeds', () => {
    const reordered = parseSweepSpec({ ...BASE, axes: { rule: ['dfa', { kind: 'fa', rho: 0.5 }, 'gd', 'fa'], depth: [2, 3] } });
    const labelsA = spec.choices!['rule']!.map((c) => c.label);
    const labelsB = reordered.choices!['rule']!.map((c) => c.label);
    for (let i = 0; i < pointCount(spec); i++) {
      const a = pointAt(spec, i);
      const label = labelsA[a.coords['rule']!]!;
      const j = pointCount(reordered) === pointCount(spec) ? [...Array(pointCount(spec)).keys()].find((k) => {
        const b = pointAt(reordered, k);
        return labelsB[b.coords['rule']!] === label && b.coords['depth'] === a.coords['depth'] && b.replicate === a.replicate;
      }) : undefined;
      expect(j, `point ${i}`).to.not.equal(undefined);
      expect(pointAt(reordered, j!).seed).to.equal(a.seed);
    }
    // Distinct rules at one cell get distinct seeds (the label enters the hash).
    const seeds = new Set([0, 1, 2, 3].map((r) => pointAt(spec, r * 4).seed));
    expect(seeds.size).to.equal(4);
  });

  it('hands the engine the choice, and the network engine writes it as the simulator’s train.rule', () => {
    const at = (i: number) => pointParameters(spec, pointAt(spec, i));
    expect(at(0).choices?.['rule']?.label).to.equal('gd');
    const settings = { ...spec, time: 5 };
    // Gradient descent is the simulator's default: no rule field, the spec of a sweep without rules.
    const gd = networkSpec(at(0), settings);
    expect(gd['train']).to.not.have.property('rule');
    const plain = parseSweepSpec({ ...BASE, axes: { depth: [2, 3] } });
    expect(gd).to.deep.equal(networkSpec({ ...pointParameters(plain, pointAt(plain, 0)), seed: at(0).seed }, { ...plain, time: 5 }));
    const fa = networkSpec(at(2 * 4), settings)['train'] as Record<string, unknown>;
    expect(fa['rule']).to.deep.include({ kind: 'fa', rho: 0.5 });
    const dfa = networkSpec(at(3 * 4), settings)['train'] as Record<string, unknown>;
    expect(dfa['rule']).to.have.property('kind', 'dfa');
    // The feedback seed follows the point: replicates differ, a rerun is identical.
    const r0 = (networkSpec(at(3 * 4), settings)['train'] as { rule: { seed: number } }).rule.seed;
    const r1 = (networkSpec(at(3 * 4 + 1), settings)['train'] as { rule: { seed: number } }).rule.seed;
    expect(r0).to.not.equal(r1);
    expect(Number.isSafeInteger(r0)).to.equal(true);
    // The gated linear network: its gates drawn from the point's seed too, and the spec it writes simulates.
    const gln = parseSweepSpec({ ...BASE, axes: { rule: ['gln', { kind: 'gln' }].slice(0, 1), depth: [2] } });
    const glnSpec = networkSpec(pointParameters(gln, pointAt(gln, 0)), { ...gln, time: 5 });
    expect((glnSpec['train'] as { rule: unknown }).rule).to.deep.include({ kind: 'gln' });
    expect(refusal({ ...BASE, axes: { rule: ['gln', { kind: 'gln' }], depth: [2] } }).message).to.match(/axes\.rule\[1\].*distinct/);
  });

  it('writes labels in results.csv (positions stay in results.json)', () => {
    const records: PointRecord[] = [];
    for (let i = 0; i < pointCount(spec); i++) {
      const p = pointAt(spec, i);
      records.push({ index: i, cell: p.cell, replicate: p.replicate, coords: p.coords, seed: p.seed, status: 'ok', values: { winnerShare: 0.5 + p.coords['rule']! / 10 } });
    }
    const results = buildResults(spec, records);
    const lines = resultsCsv(spec, results).trim().split('\n');
    expect(lines[0]).to.equal('rule,depth,measure,mean,ci_low,ci_high,sd,seeds,failed');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).to.deep.equal([
      'gd,2', 'gd,3', 'fa ρ=0,2', 'fa ρ=0,3', 'fa ρ=0.5,2', 'fa ρ=0.5,3', 'dfa,2', 'dfa,3',
    ]);
    expect(results.rows[4]!.coords).to.deep.equal({ rule: 2, depth: 2 });
  });

  it('labels a plot’s choice axis with the rules’ names', () => {
    const records: PointRecord[] = [];
    for (let i = 0; i < pointCount(spec); i++) {
      const p = pointAt(spec, i);
      records.push({ index: i, cell: p.cell, replicate: p.replicate, coords: p.coords, seed: p.seed, status: 'ok', values: { winnerShare: 0.7 } });
    }
    const results = buildResults(spec, records);
    const heat = JSON.stringify(sweepChart(spec, results, { kind: 'heatmap', measure: 'winnerShare', x: 'rule', y: 'depth' }));
    expect(heat).to.include(JSON.stringify(JSON.stringify(['gd', 'fa ρ=0', 'fa ρ=0.5', 'dfa']) + '[datum.value]').slice(1, -1));
    const line = JSON.stringify(sweepChart(spec, results, { kind: 'line', measure: 'winnerShare', x: 'depth', series: 'rule' }));
    expect(line).to.include('[datum.value]');
  });

  it('refuses bad entries, repeats, grids and other engines, naming the field', () => {
    expect(refusal({ ...BASE, axes: { rule: ['gd', 'sgd'], depth: [2] } }).message).to.match(/axes\.rule\[1\]/);
    expect(refusal({ ...BASE, axes: { rule: [{ kind: 'fa', rho: 2 }], depth: [2] } }).message).to.match(/axes\.rule\[0\]\.rho/);
    expect(refusal({ ...BASE, axes: { rule: [{ kind: 'fa', rho: 0.5, seed: 1 }], depth: [2] } }).message).to.match(/axes\.rule\[0\]/);
    expect(refusal({ ...BASE, axes: { rule: ['fa', { kind: 'fa', rho: 0 }], depth: [2] } }).message).to.match(/axes\.rule\[1\].*distinct/);
    expect(refusal({ ...BASE, axes: { rule: { from: 0, to: 1, count: 3 }, depth: [2] } }).message).to.match(/axes\.rule/);
    expect(refusal({ ...BASE, axes: { rule: [], depth: [2] } }).message).to.match(/axes\.rule/);
    const reduced = { ...BASE, engine: 'reduced', axes: { rule: ['gd', 'dfa'], depth: [2] } };
    expect(refusal(reduced).message).to.match(/axes\.rule.*engine "network"/);
    expect(refusal({ ...BASE, engine: 'endstate', time: undefined, fixed: { ...BASE.fixed, rule: 'gd' }, axes: { depth: [2] } }).message).to.match(/fixed\.rule/);
  });

  it('refuses any other entry with a ValidationError (fuzzed)', () => {
    const known = new Set(['gd', 'fa', 'dfa', 'hebb', 'gln']);
    fc.assert(
      fc.property(fc.anything(), (entry) => {
        if (typeof entry === 'string' && known.has(entry)) return;
        if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) return; // objects: covered above
        const err = refusal({ ...BASE, axes: { rule: [entry], depth: [2] } });
        expect(err.message).to.match(/axes\.rule/);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
