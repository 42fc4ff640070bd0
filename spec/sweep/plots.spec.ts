import { expect } from 'chai';
import { renderVegaLite } from '../../src/plot/render.ts';
import { buildResults } from '../../src/sweep/results.ts';
import type { PointRecord } from '../../src/sweep/run-point.ts';
import { defaultPlots, sweepChart } from '../../src/sweep/plots.ts';
import { pointAt } from '../../src/sweep/points.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { summarize } from '../../src/sweep/stats.ts';
import { ValidationError } from '../../src/util/errors.ts';

const spec = parseSweepSpec({
  engine: 'reduced',
  seeds: 2,
  fixed: { sigma: 0.5 },
  axes: { depth: [2, 3], width: [10, 100], target: [1, 3] },
  measures: ['winnerShare'],
});
// Synthetic points: the value encodes the cell so the chart data can be checked against it.
const records: PointRecord[] = Array.from({ length: 16 }, (_, index) => {
  const p = pointAt(spec, index);
  return { ...p, status: 'ok', values: { winnerShare: 0.5 + p.cell / 20 + p.replicate / 100 } };
});
const results = buildResults(spec, records);

describe('sweep plots', () => {
  it('learning times that span decades get a log colour scale; line plots take their y range from the data', () => {
    const grid = parseSweepSpec({ engine: 'reduced', seeds: 1, fixed: { width: 10 }, axes: { depth: [2, 3], sigma: [0.1, 1] }, time: 10, measures: ['learningTime', 'strengths'] });
    // The cells: 0.14 … 134 beside one at 2,485 — on a linear scale all but one share a colour.
    const times = [0.14, 2.1, 134, 2485];
    const recs: PointRecord[] = times.map((t, index) => ({ ...pointAt(grid, index), status: 'ok', values: { learningTime: t, strength1: 3 - index / 100 } }));
    const res = buildResults(grid, recs);
    const heat = sweepChart(grid, res, { kind: 'heatmap', measure: 'learningTime', x: 'depth', y: 'sigma' }) as Record<string, any>;
    expect(heat['encoding'].color.scale.type).to.equal('log');
    const near = buildResults(grid, recs.map((r, i) => ({ ...r, values: { learningTime: 1 + i, strength1: 3 } })));
    const flat = sweepChart(grid, near, { kind: 'heatmap', measure: 'learningTime', x: 'depth', y: 'sigma' }) as Record<string, any>;
    expect(flat['encoding'].color.scale.type, 'within a factor 10: linear').to.equal(undefined);
    const share = sweepChart(spec, results, { kind: 'heatmap', measure: 'winnerShare', x: 'depth', y: 'width', facet: 'target' }) as Record<string, any>;
    expect(share['spec'].encoding.color.scale.type, 'a share keeps its fixed linear scale').to.equal(undefined);
    const line = sweepChart(grid, res, { kind: 'line', measure: 'strength1', x: 'depth', series: 'sigma' }) as Record<string, any>;
    // Strengths near 3: Vega-Lite's default y scale includes 0; the data's range is asked for instead.
    for (const layer of line['layer']) expect(layer.encoding.y.scale).to.deep.equal({ zero: false });
    const timeLine = sweepChart(grid, res, { kind: 'line', measure: 'learningTime', x: 'depth', series: 'sigma' }) as Record<string, any>;
    for (const layer of timeLine['layer']) expect(layer.encoding.y.scale).to.deep.equal({ type: 'log' });
  });

  it('results clip a confidence interval to its measure\'s range (participation ≤ 1), leaving mean and sd alone', () => {
    const grid = parseSweepSpec({ engine: 'reduced', seeds: 3, fixed: { sigma: 0.5, depth: 2 }, axes: { width: [10] }, measures: ['participation', 'strengths'] });
    // Two seeds at the bound 1 and one just below: mean + t·sd/√3 = 0.99999667 + 4.303·5.77e-6/√3 ≈ 1.0000110 > 1.
    const values = [1, 1, 0.99999];
    const recs: PointRecord[] = values.map((v, index) => ({ ...pointAt(grid, index), status: 'ok', values: { participation: v, strength1: v - 2 } }));
    const rows = buildResults(grid, recs).rows;
    const part = rows.find((r) => r.measure === 'participation')!;
    const raw = summarize(values);
    expect(raw.ciHigh!).to.be.above(1);
    expect(part.ciHigh).to.equal(1);
    expect(part.ciLow).to.equal(raw.ciLow);
    expect(part.mean).to.equal(raw.mean);
    expect(part.sd).to.equal(raw.sd);
    // A measure without a range (a final strength, here negative) keeps its interval as computed.
    const k = rows.find((r) => r.measure === 'strength1')!;
    expect(k.ciHigh).to.equal(summarize(values.map((v) => v - 2)).ciHigh);
  });

  it('by default draws a heat map per measure over the first two axes, a panel per value of the third', () => {
    expect(defaultPlots(spec)).to.deep.equal([{ kind: 'heatmap', measure: 'winnerShare', x: 'depth', y: 'width', facet: 'target' }]);
  });

  it('labels the axes, the panels and the colour bar, on a fixed [1/M, 1] scale for the winner share', () => {
    const chart = sweepChart(spec, results, defaultPlots(spec)[0]!) as Record<string, any>;
    expect(chart['facet'].column).to.include({ field: 'target', title: 'target S' });
    const enc = chart['spec'].encoding;
    expect(enc.x.title).to.equal('depth D');
    expect(enc.y.title).to.equal('width N');
    expect(enc.color.title).to.equal('winner share');
    expect(enc.color.legend.type).to.equal('gradient');
    expect(enc.color.scale.domain).to.deep.equal([0.5, 1]);
    // one datum per cell, its mean the average of the two replicates' values: 0.5 + cell/20 + 0.005
    expect(chart['data'].values).to.have.length(8);
    expect(chart['data'].values[3].mean).to.be.closeTo(0.5 + 3 / 20 + 0.005, 1e-12);
  });

  it('renders a phase diagram with y increasing upwards and SI labels for large widths', async () => {
    const grid = parseSweepSpec({ engine: 'reduced', fixed: { sigma: 0.5 }, axes: { depth: [2, 3], width: [10, 100, 1000] } });
    const rows = buildResults(grid, Array.from({ length: 6 }, (_, index) => ({ ...pointAt(grid, index), status: 'ok' as const, values: { winnerShare: 0.6 } })));
    const { svg } = await renderVegaLite(sweepChart(grid, rows, defaultPlots(grid)[0]!));
    // The y-axis labels share one group: their translate() offsets order them on the page (smaller = higher).
    const yOf = (label: string): number => {
      const m = new RegExp(`translate\\(-?[0-9.]+,([0-9.]+)\\)[^>]*>${label}</text>`).exec(svg);
      expect(m, `label ${label}`).to.not.equal(null);
      return Number(m![1]);
    };
    expect(yOf('1k')).to.be.below(yOf('100'));
    expect(yOf('100')).to.be.below(yOf('10'));
  });

  it('titles a plot with the seeds its means actually average (a failed point thins its cell)', () => {
    const plot = defaultPlots(spec)[0]!;
    expect(sweepChart(spec, results, plot)['title']).to.equal('winner share (reduced engine, mean over 2 seeds)');
    const oneFailed = records.map((r) => (r.index === 5 ? { ...r, status: 'failed' as const, values: {}, message: 'x' } : r));
    expect(sweepChart(spec, buildResults(spec, oneFailed), plot)['title']).to.equal('winner share (reduced engine, mean over 1–2 seeds)');
  });

  it('draws a line with a band clipped to [0, 1] for shares, and refuses to hide an axis', async () => {
    // Replicates 0.6 and 1: mean 0.8, sd 0.2√2, and with t_{0.975,1} = 12.7 the interval is 0.8 ± 2.54.
    const spread = buildResults(spec, records.map((r) => ({ ...r, values: { winnerShare: r.replicate === 0 ? 0.6 : 1 } })));
    // The t-interval itself reaches below −1; results and the band both hold it to the share's [0, 1].
    expect(summarize([0.6, 1]).ciLow!).to.be.below(-1);
    expect(spread.rows[0]!.ciLow).to.equal(0);
    const chart = sweepChart(spec, spread, { kind: 'line', measure: 'winnerShare', x: 'width', series: 'depth', facet: 'target' }) as Record<string, any>;
    expect(chart['data'].values).to.have.length(8);
    for (const d of chart['data'].values) {
      expect(d.mean).to.be.closeTo(0.8, 1e-15);
      expect(d.ciLow).to.equal(0);
      expect(d.ciHigh).to.equal(1);
    }
    const { png, svg } = await renderVegaLite(chart);
    expect(Buffer.from(png.subarray(1, 4)).toString()).to.equal('PNG');
    expect(svg).to.contain('width N');
    expect(() => sweepChart(spec, results, { kind: 'line', measure: 'winnerShare', x: 'width', series: 'depth' })).to.throw(ValidationError, /target are not shown/);
  });
});
