/**
 * `dln simulate` against what its users run instead — PyTorch (issue 18, item 6): the authors' own problem
 * (hierarchical dataset, 8 items × 15 features, two pathways of depth 4, hidden width N, SGD on the summed
 * loss), one thread each, ms per step of whole processes with start-up cancelled.
 *
 *   npx tsx bench/simulator/torch.ts [--widths 256,1000] [--repeats 4] [--counts n1,n2 (default 200,2200 for N ≤ 512, 20,170 above)] [--agree-widths 256 (0: none)] [--agree-steps 200]
 *
 * Peer: bench/simulator/torch_peer.py under /usr/bin/python3 (Debian's python3-torch: nn.Linear layers without
 * bias, nn.MSELoss(reduction='sum') halved, autograd, torch.optim.SGD), in float64 and float32.
 *
 * Timing: every side runs as a whole process (`taskset -c 1`, OMP/MKL/OPENBLAS threads 1, torch.set_num_threads(1))
 * for n1 and for n2 steps; per step = (median t(n2) − median t(n1)) / (n2 − n1), so process start-up, imports,
 * the spec's parse and the initialisation cancel. The runs are interleaved (ours f64, torch f64, ours f32
 * ("precision": "float32" in the spec), torch f32 at n1, then at n2, repeated), so that load from other
 * processes hits all four alike. A TARGET line per precision and width says whether ours ≤ 1.0× PyTorch. Wall time is the measure;
 * CPU time (user + sys of the process, from /usr/bin/time) is printed beside it, steadier on a shared machine.
 * Default counts: 200 and 2200 steps for N ≤ 512, 20 and 170 above (torch's import varies by ~0.2 s from run to
 * run, so the differences are made long). The peer's own clock around its step loop, differenced the same way,
 * is printed as a cross-check that has no start-up at all. Problem as Shi et al.: init entries
 * N(0, σ²/N) with σ² = 0.1 (std 0.01 at N = 1000), learning rate 0.01 on the unhalved summed squared error,
 * which is η = 0.02 on the package's L = ½ Σ‖y − ŷ‖² (docs/simulator.md, "From a PyTorch run to flow time").
 *
 * Agreement: the peer writes a spec with its numpy-drawn initial weights (`"init": { "kind": "weights" }`);
 * `dln simulate` (float64 and float32) and the peer (float64, float32) train from them for --agree-steps steps
 * (mid-learning at the default 200, t = 4) and the final losses are compared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const widths = option('widths', '256,1000').split(',').map(Number);
const repeats = Number(option('repeats', '4'));
const countsOption = args.includes('--counts') ? option('counts', '').split(',').map(Number) : null;
const agreeWidths = option('agree-widths', '256').split(',').map(Number).filter((n) => n > 0); // --agree-widths 0: none
const agreeSteps = Number(option('agree-steps', '200'));

const PYTHON = '/usr/bin/python3';
const SIGMA = Math.sqrt(0.1);
const ETA = 0.02;
const SEED = 1;
const peer = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
const dln = fileURLToPath(new URL('../../bin/dln.js', import.meta.url));
const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
const hasTime = existsSync('/usr/bin/time');
const dir = mkdtempSync(join(tmpdir(), 'dln-torch-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const torchCheck = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env });
if (torchCheck.status !== 0) {
  console.log(`PyTorch is not importable by ${PYTHON}: no comparison (install it with: apt-get update && apt-get install -y python3-torch)`);
  process.exit(0);
}
const torchVersion = torchCheck.stdout.trim();

/** Ours in float64 and float32 ("precision" in the spec), PyTorch in float64 and float32. */
type Side = 'ours64' | 'ours32' | 'float64' | 'float32';
const SIDES: readonly Side[] = ['ours64', 'ours32', 'float64', 'float32'];

interface Run {
  /** Wall time of the whole process, s. */
  readonly wall: number;
  /** user + sys of the process, s (null without /usr/bin/time). */
  readonly cpu: number | null;
  /** The loss after the last step. */
  readonly loss: number;
  /** The peer's own clock around its step loop, s (null for ours). */
  readonly loop: number | null;
}

/** One whole process, pinned to core 1, timed from outside. */
function timed(command: string[]): { wall: number; cpu: number | null; stdout: string } {
  const timeFile = join(dir, 'time.txt');
  const argv = hasTime ? ['-c', '1', '/usr/bin/time', '-f', '%U %S', '-o', timeFile, ...command] : ['-c', '1', ...command];
  const t0 = performance.now();
  const run = spawnSync('taskset', argv, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`${command.join(' ')} exited with ${run.status}: ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
  let cpu: number | null = null;
  if (hasTime) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    cpu = user! + sys!;
  }
  return { wall, cpu, stdout: run.stdout };
}

interface SimulateOutput {
  status: string;
  loss: number[];
}

function ours(specPath: string): Run {
  const r = timed([process.execPath, dln, 'simulate', specPath, '--no-progress']);
  const out = JSON.parse(r.stdout) as SimulateOutput;
  if (out.status !== 'ok') throw new Error(`dln simulate: status ${out.status}`);
  return { wall: r.wall, cpu: r.cpu, loss: out.loss.at(-1)!, loop: null };
}

interface PeerOutput {
  lossStart: number;
  lossEnd: number;
  loopSeconds: number;
  threads: number;
}

function torch(width: number, steps: number, dtype: 'float64' | 'float32'): Run {
  const r = timed([PYTHON, peer, 'train', '--width', String(width), '--steps', String(steps), '--lr', String(ETA), '--dtype', dtype, '--sigma', String(SIGMA), '--seed', String(SEED)]);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PeerOutput;
  if (out.threads !== 1) throw new Error(`the peer ran with ${out.threads} threads`);
  return { wall: r.wall, cpu: r.cpu, loss: out.lossEnd, loop: out.loopSeconds };
}

/** Our spec for timing: the package's own seeded Gaussian draw (the same distribution as the peer's numpy draw). */
function timingSpec(width: number, steps: number, precision: 'float64' | 'float32'): string {
  const path = join(dir, `spec-${width}-${steps}-${precision}.json`);
  const spec = {
    task: { dataset: 'hierarchical' },
    depths: [4, 4],
    width,
    init: { kind: 'gaussian', sigma: SIGMA, seed: SEED },
    train: { method: 'gd', learningRate: ETA, steps, recordEvery: steps },
    ...(precision === 'float32' ? { precision } : {}),
  };
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const best = (xs: readonly number[]): number => Math.min(...xs);

console.log(`# bench/simulator/torch.ts — ${new Date().toISOString()}, node ${process.version}, PyTorch ${torchVersion}`);
console.log(
  `hierarchical dataset (8 items × 15 features), depths [4, 4], SGD η = ${ETA} on ½Σ‖y − ŷ‖² (lr 0.01 on the unhalved sum), init N(0, 0.1/N); ` +
    `one core (taskset -c 1), one thread; ${repeats} interleaved repeats, ms per step = (median t(n2) − median t(n1)) / (n2 − n1) of whole processes`,
);

interface Stat {
  readonly median: number;
  readonly best: number;
}

interface Row {
  width: number;
  counts: [number, number];
  wall: Record<Side, Stat>;
  cpu: Record<Side, Stat> | null;
  losses: Record<Side, number>;
  /** The peer's in-loop ms per step, float64 and float32. */
  loop: [number, number];
}
const rows: Row[] = [];
const started = performance.now();
for (const width of widths) {
  const [n1, n2] = (countsOption ?? (width <= 512 ? [200, 2200] : [20, 170])) as [number, number];
  const specs64 = [timingSpec(width, n1, 'float64'), timingSpec(width, n2, 'float64')];
  const specs32 = [timingSpec(width, n1, 'float32'), timingSpec(width, n2, 'float32')];
  const runs: Record<Side, Run[][]> = { ours64: [[], []], ours32: [[], []], float64: [[], []], float32: [[], []] };
  for (let r = 0; r < repeats; r++) {
    [n1, n2].forEach((n, k) => {
      runs.ours64[k]!.push(ours(specs64[k]!));
      runs.float64[k]!.push(torch(width, n, 'float64'));
      runs.ours32[k]!.push(ours(specs32[k]!));
      runs.float32[k]!.push(torch(width, n, 'float32'));
    });
  }
  const perStep = (side: Side, pick: (run: Run) => number, stat: (xs: readonly number[]) => number = median): number =>
    ((stat(runs[side][1]!.map(pick)) - stat(runs[side][0]!.map(pick))) / (n2 - n1)) * 1000;
  const bySide = (pick: (run: Run) => number): Record<Side, Stat> => {
    const one = (side: Side): Stat => ({ median: perStep(side, pick), best: perStep(side, pick, best) });
    return { ours64: one('ours64'), ours32: one('ours32'), float64: one('float64'), float32: one('float32') };
  };
  const losses = { ours64: runs.ours64[1]![0]!.loss, ours32: runs.ours32[1]![0]!.loss, float64: runs.float64[1]![0]!.loss, float32: runs.float32[1]![0]!.loss };
  for (const side of SIDES) if (!Number.isFinite(losses[side])) console.log(`  warning: ${side} ended with loss ${losses[side]} at N = ${width}`);
  rows.push({
    width,
    counts: [n1, n2],
    wall: bySide((run) => run.wall),
    cpu: hasTime ? bySide((run) => run.cpu!) : null,
    losses,
    loop: [perStep('float64', (run) => run.loop!), perStep('float32', (run) => run.loop!)],
  });
}

const ms = (x: number): string => x.toFixed(2);
const cell = (t: Stat): string => `${ms(t.median)} (${ms(t.best)})`;
const ratio = (a: Stat, b: Stat): string => `${(a.median / b.median).toFixed(2)}× (${(a.best / b.best).toFixed(2)}×)`;
const table = (title: string, pick: (row: Row) => Record<Side, Stat>): void => {
  console.log(`\n${title}`);
  console.log('| N | steps n1, n2 | ours f64 | PyTorch f64 | ours/PyTorch f64 | ours f32 | PyTorch f32 | ours/PyTorch f32 |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const t = pick(row);
    console.log(`| ${row.width} | ${row.counts.join(', ')} | ${cell(t.ours64)} | ${cell(t.float64)} | ${ratio(t.ours64, t.float64)} | ${cell(t.ours32)} | ${cell(t.float32)} | ${ratio(t.ours32, t.float32)} |`);
  }
};
/** One TARGET line per precision and width: ours ≤ 1.0× PyTorch in the same precision (medians). */
const targets = (title: string, pick: (row: Row) => Record<Side, Stat>): void => {
  for (const row of rows) {
    const t = pick(row);
    for (const [name, a, b] of [['float64', t.ours64, t.float64], ['float32', t.ours32, t.float32]] as const) {
      if (!(a.median > 0 && b.median > 0)) {
        console.log(`TARGET ${name} N = ${row.width} (${title}): not measurable (a non-positive difference: the counts are too close for the noise)`);
        continue;
      }
      const r = a.median / b.median;
      console.log(`TARGET ${name} N = ${row.width} (${title}): ours ${ms(a.median)} ms / PyTorch ${ms(b.median)} ms = ${r.toFixed(2)}× ${r <= 1 ? '≤' : '>'} 1.0× — ${r <= 1 ? 'met' : 'NOT met'}`);
    }
  }
};
console.log('\nms per step as median (best): the difference of the medians (of the fastest runs) of the two counts');
table('wall time', (row) => row.wall);
const withCpu = rows.every((row) => row.cpu !== null);
if (withCpu) table('CPU time (user + sys of the process; steadier when other processes share the core)', (row) => row.cpu!);
console.log(`PyTorch's own clock around its step loop, median, ms per step f64 / f32 (cross-check, no start-up): ${rows.map((r) => `N = ${r.width}: ${ms(r.loop[0])} / ${ms(r.loop[1])}`).join('; ')}`);
console.log(`(final losses of the n2 runs, ours f64 / ours f32 / PyTorch f64 / PyTorch f32, ours from the package's draw, PyTorch from numpy's: ${rows.map((r) => `N = ${r.width}: ${r.losses.ours64.toExponential(2)} / ${r.losses.ours32.toExponential(2)} / ${r.losses.float64.toExponential(2)} / ${r.losses.float32.toExponential(2)}`).join('; ')})`);
console.log('\ntarget (issue 18): ≤ 1.0× PyTorch in the same precision at both widths');
targets('wall', (row) => row.wall);
if (withCpu) targets('CPU', (row) => row.cpu!);
console.log(`(timing: ${((performance.now() - started) / 1000).toFixed(0)} s)`);

// Agreement from identical float64 initial weights.
for (const width of agreeWidths) {
  const specPath = join(dir, `agree-${width}.json`);
  const written = spawnSync(PYTHON, [peer, 'spec', '--width', String(width), '--steps', String(agreeSteps), '--lr', String(ETA), '--sigma', String(SIGMA), '--seed', String(SEED), '--out', specPath], { encoding: 'utf8', env });
  if (written.status !== 0) throw new Error(`torch_peer.py spec failed: ${written.stderr}`);
  const o = ours(specPath).loss;
  const spec32 = join(dir, `agree-${width}-float32.json`);
  writeFileSync(spec32, JSON.stringify({ ...(JSON.parse(readFileSync(specPath, 'utf8')) as object), precision: 'float32' }));
  const o32 = ours(spec32).loss;
  const t64 = torch(width, agreeSteps, 'float64').loss;
  const t32 = torch(width, agreeSteps, 'float32').loss;
  const rel = (a: number, b: number): string => (Math.abs(a - b) / Math.abs(b)).toExponential(1);
  console.log(
    `\nagreement, N = ${width}, the same numpy-drawn initial weights, ${agreeSteps} steps (t = ${agreeSteps * ETA}): loss ours f64 ${o.toPrecision(15)}, ` +
      `PyTorch f64 ${t64.toPrecision(15)} (relative difference ${rel(t64, o)}); ours f32 ${o32.toPrecision(8)} (from ours f64: ${rel(o32, o)}), ` +
      `PyTorch f32 ${t32.toPrecision(8)} (from ours f64: ${rel(t32, o)}, from ours f32: ${rel(t32, o32)})`,
  );
}
