export { renderVegaLite, plotFontFiles, PLOT_FONT } from './render.ts';
export type { RenderOptions, RenderedChart } from './render.ts';
export { strengthsChart, strengthRows, heatmapChart, lineBandChart } from './charts.ts';
export type { StrengthRow, ChartSize, VegaLiteSpec, HeatmapOptions, LineBandOptions } from './charts.ts';
