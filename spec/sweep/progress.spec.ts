import { expect } from 'chai';
import { formatDuration, Progress } from '../../src/sweep/progress.ts';

/** A progress reporter on a fake clock, collecting what it writes. */
function fake(mode: 'bar' | 'lines' | 'off', total: number, already = 0) {
  let now = 0;
  const out: string[] = [];
  const progress = new Progress(total, already, mode, { write: (t) => out.push(t) }, mode === 'bar' ? 100 : 5000, () => now);
  return { progress, out, advance: (ms: number) => (now += ms) };
}

describe('sweep progress', () => {
  it('draws a bar with count, rate and ETA in place on a terminal', () => {
    const { progress, out, advance } = fake('bar', 100);
    advance(1000);
    for (let i = 0; i < 25; i++) progress.tick(false);
    expect(out[0]).to.match(/^\r\x1b\[2K░{30} 1\/100 points/);
    expect(out).to.have.length(1); // redrawn at most every 100 ms of the (frozen) clock
    advance(200);
    progress.tick(true);
    // After 26 points in 1.2 s: 21.7 pt/s, 74 left → 3.4 s.
    expect(out.at(-1)).to.contain('26/100 points (26%), 21.7 pt/s, ETA 3s, 1 failed');
    expect(out.at(-1)).to.match(/^\r\x1b\[2K█{8}░{22} /); // round(30 · 26%) = 8 cells filled
  });

  it('writes plain lines every 5 s when not on a terminal, and nothing when off', () => {
    const lines = fake('lines', 10, 4);
    expect(lines.out[0]).to.equal('resuming: 4 point(s) already done, 10 to go\n');
    lines.advance(1000);
    lines.progress.tick(false);
    expect(lines.out).to.have.length(1); // the first line waits one interval
    lines.advance(5000);
    lines.progress.tick(false);
    expect(lines.out.at(-1)).to.equal('sweep: 2/10 points (20%), 0.3 pt/s, ETA 24s\n');
    lines.progress.finish();
    const off = fake('off', 10, 4);
    off.progress.tick(false);
    off.progress.finish();
    expect(off.out).to.deep.equal([]);
  });

  it('formats durations', () => {
    expect([formatDuration(4.4), formatDuration(75), formatDuration(7260), formatDuration(Infinity)]).to.deep.equal(['4s', '1m15s', '2h01m', '?']);
  });
});
