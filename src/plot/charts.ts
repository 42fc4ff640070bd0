/**
 * Pure functions from plain data to Vega-Lite specs (plain JSON objects: no I/O, no rendering).
 * Render them with `renderVegaLite` (render.ts), or hand them to any Vega-Lite front end.
 */

/** One sample of a mode strength: K_{aα}(t). */
export interface StrengthRow {
  readonly t: number;
  readonly pathway: number;
  readonly mode: number;
  readonly strength: number;
}

export interface ChartSize {
  readonly title?: string;
  /** Plot-area size in pixels (default 480 × 300). */
  readonly width?: number;
  readonly height?: number;
}

/** A Vega-Lite spec: a JSON object. */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Flatten `strengths[t][a][α]` (the layout of a reduced solve) into rows for `strengthsChart`.
 * Pathway and mode labels are 1-based by default, as in the papers (K_{11}, K_{21}, …).
 */
export function strengthRows(
  times: readonly number[],
  strengths: readonly (readonly (readonly number[])[])[],
  opts: { readonly oneBased?: boolean } = {},
): StrengthRow[] {
  if (times.length !== strengths.length) {
    throw new RangeError(`strengths: got ${strengths.length} time slices; allowed: one per time (${times.length})`);
  }
  const base = opts.oneBased === false ? 0 : 1;
  const rows: StrengthRow[] = [];
  times.forEach((t, i) => {
    strengths[i]!.forEach((perMode, a) => {
      perMode.forEach((strength, alpha) => {
        rows.push({ t, pathway: a + base, mode: alpha + base, strength });
      });
    });
  });
  return rows;
}

/**
 * K_{aα}(t) against time: one line per (pathway, mode); colour = mode α, dash pattern = pathway a.
 */
export function strengthsChart(rows: readonly StrengthRow[], opts: ChartSize = {}): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: opts.title ?? 'Mode strengths K_aα(t)',
    width: opts.width ?? 480,
    height: opts.height ?? 300,
    data: { values: rows.map((r) => ({ t: r.t, pathway: r.pathway, mode: r.mode, strength: r.strength })) },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'time t (units of τ)' },
      y: { field: 'strength', type: 'quantitative', title: 'strength K_aα' },
      color: { field: 'mode', type: 'nominal', title: 'mode α', scale: { scheme: 'category10' } },
      strokeDash: { field: 'pathway', type: 'nominal', title: 'pathway a' },
      detail: [{ field: 'pathway', type: 'nominal' }, { field: 'mode', type: 'nominal' }],
      tooltip: [
        { field: 't', type: 'quantitative' },
        { field: 'pathway', type: 'nominal' },
        { field: 'mode', type: 'nominal' },
        { field: 'strength', type: 'quantitative', format: '.4g' },
      ],
    },
  };
}

export interface HeatmapOptions extends ChartSize {
  /** Tidy rows, one per grid cell. */
  readonly data: readonly Record<string, unknown>[];
  /** Field names of the two grid axes and of the value shown as colour. */
  readonly x: string;
  readonly y: string;
  readonly value: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly valueTitle?: string;
  /** Colour domain; default: the data's range. */
  readonly valueDomain?: readonly [number, number];
  /** Log colour scale (every value must be > 0). */
  readonly valueLog?: boolean;
}

/**
 * A grid heat map (phase diagram): x and y are discrete grid coordinates (ordinal; y increases upwards),
 * the value is shown with the viridis colour scheme and a colour bar.
 */
export function heatmapChart(opts: HeatmapOptions): VegaLiteSpec {
  const colorScale: Record<string, unknown> = { scheme: 'viridis' };
  if (opts.valueDomain) colorScale['domain'] = [...opts.valueDomain];
  // Values spanning decades (learning times): on a linear scale one slow cell flattens all the others.
  if (opts.valueLog === true) colorScale['type'] = 'log';
  return {
    $schema: SCHEMA,
    ...(opts.title === undefined ? {} : { title: opts.title }),
    width: opts.width ?? 360,
    height: opts.height ?? 300,
    data: { values: opts.data.map((r) => ({ ...r })) },
    mark: { type: 'rect' },
    encoding: {
      x: { field: opts.x, type: 'ordinal', title: opts.xTitle ?? opts.x, sort: 'ascending', axis: { labelAngle: 0 } },
      y: { field: opts.y, type: 'ordinal', title: opts.yTitle ?? opts.y, sort: 'descending' },
      color: {
        field: opts.value,
        type: 'quantitative',
        title: opts.valueTitle ?? opts.value,
        scale: colorScale,
        legend: { type: 'gradient', gradientLength: Math.max(120, (opts.height ?? 300) - 40) },
      },
      tooltip: [
        { field: opts.x, type: 'ordinal' },
        { field: opts.y, type: 'ordinal' },
        { field: opts.value, type: 'quantitative', format: '.4g' },
      ],
    },
    config: { axis: { grid: false }, view: { stroke: null } },
  };
}

export interface LineBandOptions extends ChartSize {
  /** Tidy rows: one per (x, series). */
  readonly data: readonly Record<string, unknown>[];
  /** Field names: abscissa, the centre line, the band's lower and upper edges. */
  readonly x: string;
  readonly mean: string;
  readonly lo: string;
  readonly hi: string;
  /** Optional field that splits the rows into coloured series. */
  readonly series?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly seriesTitle?: string;
  /** Log-scale x axis (e.g. initial scale σ). */
  readonly xLog?: boolean;
}

/** A line (mean) with a shaded confidence band [lo, hi], optionally one per series. */
export function lineBandChart(opts: LineBandOptions): VegaLiteSpec {
  const x = {
    field: opts.x,
    type: 'quantitative',
    title: opts.xTitle ?? opts.x,
    ...(opts.xLog ? { scale: { type: 'log' } } : {}),
  };
  const color =
    opts.series === undefined
      ? undefined
      : { field: opts.series, type: 'nominal', title: opts.seriesTitle ?? opts.series, scale: { scheme: 'category10' } };
  const withColor = (enc: Record<string, unknown>): Record<string, unknown> =>
    color === undefined ? enc : { ...enc, color };
  return {
    $schema: SCHEMA,
    ...(opts.title === undefined ? {} : { title: opts.title }),
    width: opts.width ?? 480,
    height: opts.height ?? 300,
    data: { values: opts.data.map((r) => ({ ...r })) },
    layer: [
      {
        mark: { type: 'area', opacity: 0.25 },
        encoding: withColor({
          x,
          y: { field: opts.lo, type: 'quantitative', title: opts.yTitle ?? opts.mean },
          y2: { field: opts.hi },
        }),
      },
      {
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: withColor({
          x,
          y: { field: opts.mean, type: 'quantitative', title: opts.yTitle ?? opts.mean },
          tooltip: [
            { field: opts.x, type: 'quantitative' },
            { field: opts.mean, type: 'quantitative', format: '.4g' },
            { field: opts.lo, type: 'quantitative', format: '.4g' },
            { field: opts.hi, type: 'quantitative', format: '.4g' },
          ],
        }),
      },
    ],
  };
}
