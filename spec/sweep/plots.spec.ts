import { expect } from 'chai';
import { renderVegaLite } from '../../src/plot/render.ts';
import { buildResults } from '../../src/sweep/results.ts';
import type { PointRecord } from '../../src/sweep/run-point.ts';
import { defaultPlots, sweepChart } from '../../src/sweep/plots.ts';
import { pointAt } from '../../src/sweep/points.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
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
    expect(spread.rows[0]!.ciLow!).to.be.below(-1);
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
