/**
 * Headless rendering: Vega-Lite spec → Vega → SVG (no canvas) → PNG (resvg).
 *
 * Text is set in DejaVu Sans, loaded from the `dejavu-fonts-ttf` npm package rather than from the system, so a
 * PNG comes out byte-for-byte the same on any machine with the same package versions (system fonts are never
 * consulted: without a loaded face resvg would fall back to a serif font).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

export const PLOT_FONT = 'DejaVu Sans';

export interface RenderOptions {
  /** Width of the PNG in pixels; the height follows the SVG's aspect ratio. Default: the SVG's own width. */
  readonly width?: number;
}

export interface RenderedChart {
  readonly svg: string;
  readonly png: Uint8Array;
  /** PNG size in pixels. */
  readonly width: number;
  readonly height: number;
}

let fontFilesCache: string[] | undefined;

/** Absolute paths of the DejaVu Sans faces (regular, bold, oblique, bold oblique) shipped by `dejavu-fonts-ttf`. */
export function plotFontFiles(): string[] {
  if (fontFilesCache === undefined) {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
    fontFilesCache = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf'].map(
      (f) => join(root, 'ttf', f),
    );
  }
  return fontFilesCache;
}

/** The spec with `config.font` forced to DejaVu Sans (the only face the PNG renderer has). Does not mutate. */
function withPlotFont(spec: object): vl.TopLevelSpec {
  const s = spec as { config?: Record<string, unknown> };
  return { ...s, config: { ...(s.config ?? {}), font: PLOT_FONT } } as unknown as vl.TopLevelSpec;
}

/** Compile a Vega-Lite spec and render it to an SVG string and PNG bytes (white background). */
export async function renderVegaLite(spec: object, opts: RenderOptions = {}): Promise<RenderedChart> {
  if (opts.width !== undefined && !(Number.isInteger(opts.width) && opts.width > 0)) {
    throw new RangeError(`width: got ${String(opts.width)}; allowed: a positive integer`);
  }
  const compiled = vl.compile(withPlotFont(spec)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const resvg = new Resvg(svg, {
    fitTo: opts.width === undefined ? { mode: 'original' } : { mode: 'width', value: opts.width },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: plotFontFiles(),
      defaultFontFamily: PLOT_FONT,
      sansSerifFamily: PLOT_FONT,
      serifFamily: PLOT_FONT,
      monospaceFamily: PLOT_FONT,
    },
    logLevel: 'off',
  });
  const image = resvg.render();
  const png = new Uint8Array(image.asPng());
  return { svg, png, width: image.width, height: image.height };
}
