/**
 * Liu et al.'s rank experiment on the RNN (issue 16, item 5) and the time per BPTT iteration against a
 * one-thread PyTorch peer of the same network (bench/rnn/torch_peer.py, Debian's python3-torch) in the same run.
 *
 *   npx tsx bench/rnn/run.ts [--seeds 6] [--iterations 2000] [--lr 0.003] [--hidden 100] [--probe 32] [--skip-ranks] [--skip-timing]
 *
 * Rank experiment: W_rec(0) of ranks {1, 10, 30, 100} at the Frobenius norm of the same Gaussian draw (one draw
 * per seed, so ranks are compared paired), trained with SGD + momentum 0.9 on the perceptual decision task;
 * mean and 95% t-interval over seeds of ΔW = ‖W_rec(f) − W_rec(0)‖_F, KA of the recurrent tangent kernel, and
 * the representation alignment, sign similarity and accuracy.
 *
 * Timing: wall time of a run of n1 and of n2 iterations (measures off), per iteration = (t(n2) − t(n1))/(n2 − n1)
 * so set-up cancels, each count the best of 3 — the same difference as the peer prints. Node is single-threaded; the peer is
 * pinned to one thread with torch.set_num_threads(1).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainRnn, type RnnResult } from '../../src/richlazy/rnn/train.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const seeds = arg('--seeds', 6);
const iterations = arg('--iterations', 2000);
const learningRate = arg('--lr', 0.003);
const hidden = arg('--hidden', 100);
const probeTrials = arg('--probe', 32);
const ranks = [1, 10, 30, 100].filter((r) => r <= hidden);
if (!ranks.includes(hidden)) ranks.push(hidden);

/** Two-sided 95% Student t quantiles t_{0.975, df}, df = 1 … 30. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
function ci(v: readonly number[]): string {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  if (v.length < 2) return m.toFixed(3);
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
  const t = T975[Math.min(v.length - 1, T975.length) - 1]!;
  return `${m.toFixed(3)} ± ${((t * sd) / Math.sqrt(v.length)).toFixed(3)}`;
}

console.log(`# bench/rnn/run.ts — ${new Date().toISOString()}, node ${process.version}`);

if (!argv.includes('--skip-ranks')) {
  console.log(`\nrank experiment: n = ${hidden}, g = 1.25, ${iterations} iterations, lr ${learningRate}, momentum 0.9, batch 32, T = 8, probe ${probeTrials} trials, ${seeds} seeds (95% t-intervals)`);
  const results = new Map<number, RnnResult[]>(ranks.map((r) => [r, []]));
  const started = performance.now();
  for (let seed = 0; seed < seeds; seed++) {
    for (const rank of ranks) {
      const r = trainRnn({ hidden, rank, train: { iterations, learningRate, recordEvery: 100 }, probe: { trials: probeTrials }, seed });
      if (r.status !== 'ok') console.log(`  seed ${seed} rank ${rank}: ${r.status} ${r.message ?? ''}`);
      else results.get(rank)!.push(r);
    }
  }
  const m = (rank: number, f: (r: RnnResult) => number | null): number[] =>
    results
      .get(rank)!
      .map(f)
      .filter((x): x is number => x !== null);
  console.log('| rank | ΔW = ‖W_rec(f) − W_rec(0)‖_F | ΔW / ‖W_rec(0)‖_F | kernel alignment | representation alignment | sign similarity | accuracy (end) | erank W_rec(0) → (f) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const rank of ranks) {
    const mean = (v: number[]): string => (v.reduce((s, x) => s + x, 0) / v.length).toFixed(1);
    console.log(
      `| ${rank} | ${ci(m(rank, (r) => r.measures!.weightChange))} | ${ci(m(rank, (r) => r.measures!.relativeWeightChange))} | ${ci(m(rank, (r) => r.measures!.kernelAlignment))} | ${ci(m(rank, (r) => r.measures!.representationAlignment))} | ${ci(m(rank, (r) => r.measures!.signSimilarity))} | ${ci(m(rank, (r) => r.accuracy.end))} | ${mean(m(rank, (r) => r.measures!.effectiveRank.start))} → ${mean(m(rank, (r) => r.measures!.effectiveRank.end))} |`,
    );
  }
  // Paired by seed (one Gaussian draw per seed, truncated at every rank): how often each step in rank goes the lazy way.
  for (let i = 1; i < ranks.length; i++) {
    const lo = results.get(ranks[i - 1]!)!;
    const hi = results.get(ranks[i]!)!;
    const pairs = Math.min(lo.length, hi.length);
    let dw = 0;
    let ka = 0;
    for (let s = 0; s < pairs; s++) {
      if (hi[s]!.measures!.weightChange < lo[s]!.measures!.weightChange) dw++;
      if ((hi[s]!.measures!.kernelAlignment ?? 0) > (lo[s]!.measures!.kernelAlignment ?? 0)) ka++;
    }
    console.log(`rank ${ranks[i - 1]} → ${ranks[i]}: ΔW falls in ${dw}/${pairs} seeds, KA rises in ${ka}/${pairs}`);
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s for ${seeds * ranks.length} runs)`);
}

if (!argv.includes('--skip-timing')) {
  console.log('\ntime per iteration (batch 32, T = 8, forward + BPTT + SGD step; best of 3 runs of 20 and of 120 iterations, per iteration = the difference / 100)');
  const peer = join(dirname(fileURLToPath(import.meta.url)), 'torch_peer.py');
  const [n1, n2] = [20, 120];
  console.log('| n | this package (Float64) | PyTorch float64, 1 thread | PyTorch float32, 1 thread | ratio to float64 | ratio to float32 |');
  console.log('|---|---|---|---|---|---|');
  for (const n of [100, 300]) {
    const wall = (it: number): number => {
      const t0 = performance.now();
      trainRnn({ hidden: n, train: { iterations: it }, probe: { trials: 1, kernel: false }, seed: 1 });
      return (performance.now() - t0) / 1000;
    };
    wall(n1); // warm-up: the JIT compiles the kernels
    // Best of 3 of each count, then the difference: a disturbed short run must not make the difference small.
    let [best1, best2] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    for (let k = 0; k < 3; k++) {
      best1 = Math.min(best1, wall(n1));
      best2 = Math.min(best2, wall(n2));
    }
    const ours = (best2 - best1) / (n2 - n1);
    const torch = (dtype: string): number | null => {
      try {
        const out = execFileSync('/usr/bin/python3', [peer, '--hidden', String(n), '--dtype', dtype, '--counts', `${n1},${n2}`], { encoding: 'utf8' });
        return (JSON.parse(out.trim().split('\n').at(-1)!) as { secondsPerIteration: number }).secondsPerIteration;
      } catch (err) {
        console.log(`  (PyTorch peer failed: ${(err as Error).message.split('\n')[0]}; install python3-torch)`);
        return null;
      }
    };
    const t64 = torch('float64');
    const t32 = torch('float32');
    const ms = (s: number | null): string => (s === null ? '—' : `${(s * 1000).toFixed(2)} ms`);
    const ratio = (s: number | null): string => (s === null ? '—' : `${(ours / s).toFixed(2)}×`);
    console.log(`| ${n} | ${ms(ours)} | ${ms(t64)} | ${ms(t32)} | ${ratio(t64)} | ${ratio(t32)} |`);
  }
  console.log('target (issue 16): ≤ 1.5× PyTorch per iteration at n = 100 and n = 300');
}
