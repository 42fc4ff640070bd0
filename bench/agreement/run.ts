/**
 * How the gap between the full network and the reduced model behaves with width (issue 4, DESIGN §2.4).
 *
 * Two depth-D pathways, whitened task S = (3, 1) with a random basis, Gaussian init (variance σ²/N), 20 seeds
 * per width. The full network is trained by gradient descent (η = 0.02, t = 30: both modes learned); the reduced
 * model starts from the tangent-kernel-matched and from the naive mapping of the same weights. Printed per
 * width and mode: mean winner share (max_a K_aα / Σ_a K_aα) with its 95% half-width, the gap of the means,
 * the mean per-seed |Δ winner share|, and how many seeds the reduced model names the wrong winning pathway.
 *
 *   npx tsx bench/agreement/run.ts [--depths 3,4] [--widths 64,128,256,512,1024] [--seeds 20]
 */
import { winnerShare } from '../../src/analysis/measures.ts';
import { createEngine } from '../../src/network/engine.ts';
import { mapToReduced, type MappingKind } from '../../src/network/mapping.ts';
import { createNetwork } from '../../src/network/network.ts';
import { singularValueTask } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { solveReduced } from '../../src/reduced/solve.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const depths = option('depths', '3,4').split(',').map(Number);
const widths = option('widths', '64,128,256,512,1024').split(',').map(Number);
const seeds = Number(option('seeds', '20'));
const SIGMA: Record<number, number> = { 2: 0.5, 3: 0.7, 4: 0.9, 5: 1.0 };
const S = [3, 1];
const T = 30;
const ETA = 0.02;
const task = singularValueTask(S, 'random', 1);

function stats(xs: number[]): { mean: number; half: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, half: (1.96 * sd) / Math.sqrt(xs.length) };
}
const f3 = (x: number): string => x.toFixed(3);

console.log(`two pathways, S = (${S}), T = ${T}, GD η = ${ETA}, ${seeds} seeds per width; winner share mean ± 95% half-width`);
console.log('D\tσ\tN\tmode\tfull\tntk\tgap(ntk)\t|Δ|(ntk)\tflips(ntk)\tnaive\tgap(naive)\tflips(naive)\tsec');
for (const D of depths) {
  const sigma = SIGMA[D] ?? 1;
  for (const N of widths) {
    const t0 = performance.now();
    const full: number[][] = [];
    const winners: number[][] = [];
    const reduced: Record<MappingKind, { share: number[][]; winner: number[][] }> = {
      tangentKernel: { share: [], winner: [] },
      naive: { share: [], winner: [] },
      exactDepth2: { share: [], winner: [] },
    };
    const argmax = (k: number[][], m: number): number => (k[0]![m]! >= k[1]![m]! ? 0 : 1);
    for (let seed = 0; seed < seeds; seed++) {
      const net = createNetwork(task, { depths: [D, D], width: N }, { kind: 'gaussian', sigma, seed });
      const inits = { tangentKernel: mapToReduced(net, task, 'tangentKernel'), naive: mapToReduced(net, task, 'naive') };
      const steps = Math.round(T / ETA);
      const run = train(createEngine(net, task), { method: 'gd', learningRate: ETA, steps, recordEvery: steps });
      const kFull = run.records[1]!.strengths;
      full.push(winnerShare(kFull));
      winners.push(S.map((_, m) => argmax(kFull, m)));
      for (const kind of ['tangentKernel', 'naive'] as const) {
        const k = solveReduced({ singularValues: S, depths: [D, D], init: inits[kind], times: [0, T] }).strengths[1]!;
        reduced[kind].share.push(winnerShare(k));
        reduced[kind].winner.push(S.map((_, m) => argmax(k, m)));
      }
    }
    const sec = ((performance.now() - t0) / 1000).toFixed(1);
    S.forEach((_, m) => {
      const f = stats(full.map((w) => w[m]!));
      const cols = (kind: 'tangentKernel' | 'naive'): { s: ReturnType<typeof stats>; abs: number; flips: number } => {
        const r = reduced[kind];
        const s = stats(r.share.map((w) => w[m]!));
        const abs = r.share.reduce((acc, w, i) => acc + Math.abs(w[m]! - full[i]![m]!), 0) / seeds;
        const flips = r.winner.filter((w, i) => w[m] !== winners[i]![m]).length;
        return { s, abs, flips };
      };
      const ntk = cols('tangentKernel');
      const naive = cols('naive');
      console.log(
        [D, sigma, N, m, `${f3(f.mean)}±${f3(f.half)}`, `${f3(ntk.s.mean)}±${f3(ntk.s.half)}`, f3(ntk.s.mean - f.mean), f3(ntk.abs), `${ntk.flips}/${seeds}`,
          `${f3(naive.s.mean)}±${f3(naive.s.half)}`, f3(naive.s.mean - f.mean), `${naive.flips}/${seeds}`, sec].join('\t'),
      );
    });
  }
}
