import { expect } from 'chai';
import { heatmapChart, renderVegaLite, strengthRows, strengthsChart } from '../../src/plot/index.ts';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, which must come first (bytes 8–15: length + "IHDR"). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.subarray(12, 16))).to.equal('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  expect(m, 'svg width/height attributes').to.not.equal(null);
  return { width: Number(m![1]), height: Number(m![2]) };
}

function strengthsSpec(): object {
  const times = Array.from({ length: 21 }, (_, i) => i);
  const S = [3, 1];
  const strengths = times.map((t) =>
    [0.8, 0.2].map((share) => S.map((s, alpha) => (share * s) / (1 + Math.exp(-(t - 5 - 5 * alpha) * s)))),
  );
  return strengthsChart(strengthRows(times, strengths));
}

function heatmapSpec(): object {
  const data: { depth: number; sigma: number; share: number }[] = [];
  for (const depth of [1, 2, 3, 4]) {
    for (const sigma of [0.01, 0.1, 1]) data.push({ depth, sigma, share: 0.5 + 0.1 * depth - 0.1 * Math.log10(sigma) });
  }
  return heatmapChart({
    data,
    x: 'sigma',
    y: 'depth',
    value: 'share',
    xTitle: 'initial scale σ',
    yTitle: 'depth D',
    valueTitle: 'winner share',
    title: 'Concentration',
  });
}

describe('plot: renderVegaLite', () => {
  it('renders a strengths chart to SVG and a PNG of the requested width', async () => {
    const { svg, png, width, height } = await renderVegaLite(strengthsSpec(), { width: 800 });
    expect([...png.subarray(0, 8)]).to.deep.equal(PNG_SIGNATURE);
    const natural = svgSize(svg);
    const size = pngSize(png);
    expect(size.width).to.equal(800);
    expect(Math.abs(size.height - (800 * natural.height) / natural.width)).to.be.at.most(1);
    expect({ width, height }).to.deep.equal(size);
    expect(svg).to.contain('time t (units of τ)');
    expect(svg).to.contain('strength K_aα');
    expect(svg).to.contain('mode α');
    expect(svg).to.contain('pathway a');
    expect(svg).to.contain('DejaVu Sans');
  });

  it('renders a heat map with its titles at the SVG size by default', async () => {
    const { svg, png } = await renderVegaLite(heatmapSpec());
    expect([...png.subarray(0, 8)]).to.deep.equal(PNG_SIGNATURE);
    const natural = svgSize(svg);
    expect(pngSize(png)).to.deep.equal({ width: Math.round(natural.width), height: Math.round(natural.height) });
    for (const title of ['initial scale σ', 'depth D', 'winner share', 'Concentration']) expect(svg).to.contain(title);
    expect(svg).to.contain('linearGradient'); // the colour bar
  });

  it('is deterministic: the same spec gives identical PNG bytes', async () => {
    const spec = strengthsSpec();
    const a = await renderVegaLite(spec, { width: 400 });
    const b = await renderVegaLite(spec, { width: 400 });
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).to.equal(true);
  });

  it('does not mutate the spec and rejects a bad width', async () => {
    const spec = heatmapSpec();
    const before = JSON.stringify(spec);
    await renderVegaLite(spec, { width: 300 });
    expect(JSON.stringify(spec)).to.equal(before);
    let error: unknown;
    try {
      await renderVegaLite(spec, { width: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RangeError);
  });
});

describe('plot: strengthRows', () => {
  it('flattens strengths[t][a][α] into 1-based rows', () => {
    const rows = strengthRows([0, 1], [
      [[1, 2]],
      [[3, 4]],
    ]);
    expect(rows).to.deep.equal([
      { t: 0, pathway: 1, mode: 1, strength: 1 },
      { t: 0, pathway: 1, mode: 2, strength: 2 },
      { t: 1, pathway: 1, mode: 1, strength: 3 },
      { t: 1, pathway: 1, mode: 2, strength: 4 },
    ]);
  });
});
