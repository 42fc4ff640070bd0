/**
 * Plots of sweep results: the spec's `plots`, or by default one phase diagram per measure (a line with its 95%
 * band over one axis; a heat map over two; a heat map per value of a third). Rendered to PNG and SVG.
 */
import { join } from 'node:path';
import type { VegaLiteSpec } from '../plot/charts.ts';
import { renderVegaLite } from '../plot/render.ts';
import { bandLineChart, phaseHeatmapChart } from '../plot/sweep-charts.ts';
import type { SweepResults } from './results.ts';
import { ValidationError } from '../util/errors.ts';
import { measureOfColumn, sweepParameters } from './registry.ts';
import { maxPathways, measureColumns, type ParameterName, type PlotSpec, type SweepSpec } from './spec.ts';
import { writeAtomic } from './store.ts';

/** Axis title of a parameter in the papers' notation (from its registration). */
export function parameterTitle(p: string): string {
  return sweepParameters().find((r) => r.name === p)?.title ?? p;
}

/** The parameter's symbol, for panel labels such as "σ = 0.5". */
export function parameterSymbol(p: string): string {
  return sweepParameters().find((r) => r.name === p)?.symbol ?? p;
}

/** Title of a result column (from its measure's registration). */
export function measureTitle(column: string): string {
  return measureOfColumn(column)?.title?.(column) ?? column;
}

/**
 * Colour domains fixed by the measure's range, so diagrams of different sweeps compare: shares in [0, 1];
 * winner share and participation in [1/M, 1] (1/M and 1 are the even split and the winner-takes-all ends).
 */
function measureDomain(column: string, maxM: number): [number, number] | undefined {
  const domain = measureOfColumn(column)?.colourDomain?.(maxM);
  return domain === undefined ? undefined : [domain[0], domain[1]];
}

export function defaultPlots(spec: SweepSpec): PlotSpec[] {
  const axes = spec.axes.map((a) => a.name);
  const small = (p: ParameterName): boolean => (spec.axes.find((a) => a.name === p)?.values.length ?? 0) <= 6;
  return measureColumns(spec).flatMap((measure): PlotSpec[] => {
    if (axes.length === 1) return [{ kind: 'line', measure, x: axes[0]! }];
    if (axes.length === 2) return [{ kind: 'heatmap', measure, x: axes[0]!, y: axes[1]! }];
    if (axes.length === 3 && small(axes[2]!)) return [{ kind: 'heatmap', measure, x: axes[0]!, y: axes[1]!, facet: axes[2]! }];
    return [];
  });
}

export function plotFileStem(plot: PlotSpec): string {
  return plot.file ?? [plot.measure, plot.x, plot.y ?? plot.series, plot.facet].filter((s) => s !== undefined).join('-');
}

/** The Vega-Lite spec of one plot of the results. */
export function sweepChart(spec: SweepSpec, results: Pick<SweepResults, 'rows'>, plot: PlotSpec): VegaLiteSpec {
  const used = [plot.x, plot.y, plot.series, plot.facet].filter((p): p is ParameterName => p !== undefined);
  // A share's t-interval can poke out of [0, 1] with few seeds; the band is drawn clipped to what is possible.
  const [lo, hi] = measureOfColumn(plot.measure)?.clip ?? [-Infinity, Infinity];
  const clip = (v: number): number => Math.min(hi, Math.max(lo, v));
  const data = results.rows
    .filter((r) => r.measure === plot.measure && r.mean !== null)
    .map((r) => ({
      ...Object.fromEntries(used.map((p) => [p, r.coords[p]])),
      mean: r.mean,
      ciLow: clip(r.ciLow ?? r.mean!),
      ciHigh: clip(r.ciHigh ?? r.mean!),
      seeds: r.seeds,
    }));
  // A plot shows every axis (as x, y, series or facet): a hidden axis would stack several cells on one mark.
  const others = spec.axes.map((a) => a.name).filter((p) => !used.includes(p));
  if (others.length > 0) {
    const error = new ValidationError('plots', plot, `a plot showing every axis as x, y, series or facet (not shown: ${others.join(', ')})`);
    error.message = `plot ${plotFileStem(plot)}: axes ${others.join(', ')} are not shown; add them as y, series or facet`;
    throw error;
  }
  // Seeds actually averaged: failed points and undefined values (a learning time not reached) thin some cells.
  const counts = data.length === 0 ? [spec.seeds] : data.map((d) => d.seeds);
  const [fewest, most] = [Math.min(...counts), Math.max(...counts)];
  const over = fewest === most ? `${most} seed${most === 1 ? '' : 's'}` : `${fewest}–${most} seeds`;
  const title = plot.title ?? `${measureTitle(plot.measure)} (${spec.engine} engine, mean over ${over})`;
  const facet = plot.facet === undefined ? {} : { facet: plot.facet, facetTitle: parameterTitle(plot.facet), facetPrefix: `${parameterSymbol(plot.facet)} = ` };
  // Choice axes (a learning rule) are drawn at their positions 0, 1, … and labelled with their names.
  const named = used.filter((p) => spec.choices?.[p] !== undefined);
  const labels = named.length === 0 ? {} : { labels: Object.fromEntries(named.map((p) => [p, spec.choices![p]!.map((c) => c.label)])) };
  const shown = data.flatMap((d) => (plot.kind === 'heatmap' ? [d.mean!] : [d.mean!, d.ciLow, d.ciHigh]));
  const log = measureOfColumn(plot.measure)?.logScale === true && shown.every((v) => v > 0) && Math.max(...shown) >= 10 * Math.min(...shown);
  if (plot.kind === 'heatmap') {
    const domain = measureDomain(plot.measure, maxPathways(spec));
    return phaseHeatmapChart({
      data,
      x: plot.x,
      y: plot.y!,
      value: 'mean',
      title,
      xTitle: parameterTitle(plot.x),
      yTitle: parameterTitle(plot.y!),
      valueTitle: measureTitle(plot.measure),
      ...(domain === undefined ? {} : { valueDomain: domain }),
      ...(log ? { valueLog: true } : {}),
      ...facet,
      ...labels,
    });
  }
  const xs = spec.axes.find((a) => a.name === plot.x)!.values;
  const xLog = spec.choices?.[plot.x] === undefined && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 10 && sweepParameters().find((r) => r.name === plot.x)?.logAxis === true;
  return bandLineChart({
    data,
    x: plot.x,
    mean: 'mean',
    lo: 'ciLow',
    hi: 'ciHigh',
    title,
    xTitle: parameterTitle(plot.x),
    yTitle: `${measureTitle(plot.measure)} (mean, 95% CI)`,
    xLog,
    ...(log ? { yLog: true } : {}),
    ...(plot.series === undefined ? {} : { series: plot.series, seriesTitle: parameterTitle(plot.series) }),
    ...facet,
    ...labels,
  });
}

/** Renders every plot into `dir` as <stem>.png and <stem>.svg; returns the stems written. */
export async function renderSweepPlots(
  spec: SweepSpec,
  results: Pick<SweepResults, 'rows'>,
  dir: string,
  plots: readonly PlotSpec[] = spec.plots ?? defaultPlots(spec),
): Promise<string[]> {
  const stems: string[] = [];
  for (const plot of plots) {
    const { svg, png } = await renderVegaLite(sweepChart(spec, results, plot));
    const stem = plotFileStem(plot);
    writeAtomic(join(dir, `${stem}.svg`), svg);
    writeAtomic(join(dir, `${stem}.png`), png);
    stems.push(stem);
  }
  return stems;
}
