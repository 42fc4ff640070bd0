/**
 * Charts of sweep results (phase diagrams): heat maps over two grid axes and mean lines with 95% confidence
 * bands, each optionally split into panels by a third axis. Pure functions from rows to Vega-Lite specs,
 * built on heatmapChart / lineBandChart (charts.ts).
 */
import { heatmapChart, lineBandChart, type VegaLiteSpec } from './charts.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/**
 * Grid values such as 0.138949549437 are labelled with 3 significant digits, 2.0 as 2, and whole numbers
 * ≥ 1000 with an SI prefix (10k, 100k), which keeps the columns of a width axis from crowding each other.
 */
const SHORT_LABEL = "datum.value >= 1000 && datum.value == floor(datum.value) ? format(datum.value, '.3~s') : format(datum.value, '.3~g')";

export interface SweepChartBase {
  readonly data: readonly Record<string, unknown>[];
  readonly title?: string;
  /** Field that splits the chart into panels (one column each), and its title. */
  readonly facet?: string;
  readonly facetTitle?: string;
  /** Written before each panel's value, e.g. "σ = ". */
  readonly facetPrefix?: string;
  readonly width?: number;
  readonly height?: number;
  /**
   * Fields whose values are positions in a list of named choices (a learning rule): their axis, legend and
   * panel labels show the names.
   */
  readonly labels?: Readonly<Record<string, readonly string[]>>;
}

/** The label expression of a field: its choice names, or the short number format. */
function labelOf(opts: SweepChartBase, field: string): string {
  const names = opts.labels?.[field];
  return names === undefined ? SHORT_LABEL : `${JSON.stringify(names)}[datum.value]`;
}

export interface PhaseHeatmapOptions extends SweepChartBase {
  readonly x: string;
  readonly y: string;
  readonly value: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly valueTitle?: string;
  readonly valueDomain?: readonly [number, number];
  /** Log colour scale, for values that span decades (every value > 0). */
  readonly valueLog?: boolean;
}

/** Moves a single-view spec into a column facet: data and title stay on top, the view goes into `spec`. */
function facetColumns(view: VegaLiteSpec, opts: SweepChartBase): VegaLiteSpec {
  const { facet, facetTitle, facetPrefix } = opts;
  if (facet === undefined) return view;
  const label = labelOf(opts, facet);
  const labelExpr = facetPrefix === undefined ? label : `${JSON.stringify(facetPrefix).replace(/"/g, "'")} + (${label})`;
  const { $schema, title, data, config, ...inner } = view;
  return {
    $schema,
    ...(title === undefined ? {} : { title }),
    data,
    facet: { column: { field: facet, type: 'ordinal', title: facetTitle ?? facet, header: { labelExpr, labelFontSize: 12 } } },
    spec: inner,
    ...(config === undefined ? {} : { config }),
  };
}

/** A phase diagram: the value as colour (viridis, with a colour bar) over two grid axes, labelled. */
export function phaseHeatmapChart(opts: PhaseHeatmapOptions): VegaLiteSpec {
  const view = heatmapChart({
    data: opts.data,
    x: opts.x,
    y: opts.y,
    value: opts.value,
    ...(opts.title === undefined ? {} : { title: opts.title }),
    ...(opts.xTitle === undefined ? {} : { xTitle: opts.xTitle }),
    ...(opts.yTitle === undefined ? {} : { yTitle: opts.yTitle }),
    ...(opts.valueTitle === undefined ? {} : { valueTitle: opts.valueTitle }),
    ...(opts.valueDomain === undefined ? {} : { valueDomain: opts.valueDomain }),
    ...(opts.valueLog === true ? { valueLog: true } : {}),
    width: opts.width ?? 320,
    height: opts.height ?? 280,
  });
  const encoding = view['encoding'] as Record<string, Record<string, unknown>>;
  for (const key of ['x', 'y'] as const) {
    encoding[key] = { ...encoding[key], axis: { ...((encoding[key]!['axis'] as object | undefined) ?? {}), labelExpr: labelOf(opts, opts[key]) } };
  }
  // The colour bar's title is the measure's full name: let it run wider than Vega's 180 px default.
  encoding['color'] = { ...encoding['color'], legend: { ...((encoding['color']!['legend'] as object | undefined) ?? {}), titleLimit: 400 } };
  return facetColumns(view, opts);
}

export interface BandLineOptions extends SweepChartBase {
  readonly x: string;
  readonly mean: string;
  readonly lo: string;
  readonly hi: string;
  readonly series?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly seriesTitle?: string;
  readonly xLog?: boolean;
  /** Log y axis, for values that span decades (every band edge > 0). */
  readonly yLog?: boolean;
}

/** Mean against one axis with its 95% band, one colour per series, optionally in panels. */
export function bandLineChart(opts: BandLineOptions): VegaLiteSpec {
  const view = lineBandChart({
    data: opts.data,
    x: opts.x,
    mean: opts.mean,
    lo: opts.lo,
    hi: opts.hi,
    ...(opts.series === undefined ? {} : { series: opts.series }),
    ...(opts.title === undefined ? {} : { title: opts.title }),
    ...(opts.xTitle === undefined ? {} : { xTitle: opts.xTitle }),
    ...(opts.yTitle === undefined ? {} : { yTitle: opts.yTitle }),
    ...(opts.seriesTitle === undefined ? {} : { seriesTitle: opts.seriesTitle }),
    ...(opts.xLog === undefined ? {} : { xLog: opts.xLog }),
    width: opts.width ?? 420,
    height: opts.height ?? 280,
  });
  // Series are grid values: short legend labels, in numeric order, under a title that may be long. An axis
  // of whole numbers (depths) gets whole-number ticks.
  const wholeX = opts.data.every((row) => Number.isInteger(row[opts.x]));
  const layers = (view['layer'] as { encoding: Record<string, Record<string, unknown>> }[]).map((layer) => {
    const { color, x } = layer.encoding;
    const axis = { labelExpr: labelOf(opts, opts.x), ...(wholeX ? { tickMinStep: 1 } : {}) };
    // The y range is the data's (Vega-Lite would stretch it to 0 and round it out: final strengths near 3
    // drawn down to −0.5), on a log scale when asked.
    const y = { ...layer.encoding['y'], scale: opts.yLog === true ? { type: 'log' } : { zero: false } };
    const encoding = { ...layer.encoding, x: { ...x, axis }, y };
    if (color === undefined) return { ...layer, encoding };
    const legend = { labelExpr: opts.series === undefined ? SHORT_LABEL : labelOf(opts, opts.series), titleLimit: 400 };
    return { ...layer, encoding: { ...encoding, color: { ...color, sort: 'ascending', legend } } };
  });
  return facetColumns({ ...view, $schema: SCHEMA, layer: layers }, opts);
}
