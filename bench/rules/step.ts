/**
 * Cost per training step of the simulator's learning rules (issue 15) relative to gradient descent: the
 * authors' problem (hierarchical dataset, two depth-4 pathways, width N), one `simulate` call per timing, for
 * train.rule ∈ gd, FA ρ = 0, FA ρ = 0.5, DFA, Hebb. Target: an FA/DFA step costs ≤ 1.2× a GD step at N = 1000.
 *
 *   npx tsx bench/rules/step.ts [--widths 256,1000] [--repeats 3] [--out out/bench/rules-step.json]
 *
 * ms per step = (t(n2) − t(n1)) / (n2 − n1), where t(n) is the wall time of `simulate` with n steps, so that
 * set-up (spec parsing, network and feedback matrices, the records at steps 0 and n) cancels. Every t(n) is
 * measured in a fresh Node process (`step.ts --worker N rule n`), because JIT state depends on what ran before;
 * the processes are interleaved (repeat, then rule, then n) so that load from other processes hits all rules
 * alike. Reported: the median over `--repeats` of the per-step figures.
 *
 * The learning rate is 1e-4 (not the 0.01 of the examples) so that no rule diverges within the timed steps:
 * Hebb and DFA reach NaN at 0.01, and steps on NaNs are not representative work.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulate } from '../../src/network/simulate.ts';

const RULES = [
  { name: 'gd', rule: 'gd' as unknown },
  { name: 'fa ρ=0', rule: { kind: 'fa', rho: 0, seed: 3 } as unknown },
  { name: 'fa ρ=0.5', rule: { kind: 'fa', rho: 0.5, seed: 3 } as unknown },
  { name: 'dfa', rule: { kind: 'dfa', seed: 3 } as unknown },
  { name: 'hebb', rule: 'hebb' as unknown },
] as const;
/** The rules the issue-15 target is about. */
const TARGET_RULES = new Set(['fa ρ=0', 'fa ρ=0.5', 'dfa']);
const TARGET_WIDTH = 1000;
const TARGET_RATIO = 1.2;
const LEARNING_RATE = 1e-4;

function spec(width: number, rule: unknown, steps: number): unknown {
  return {
    task: { dataset: 'hierarchical' },
    depths: [4, 4],
    width,
    init: { kind: 'gaussian', sigma: 0.1, seed: 1 },
    train: { method: 'gd', learningRate: LEARNING_RATE, steps, recordEvery: steps, rule },
  };
}

const args = process.argv.slice(2);

if (args[0] === '--worker') {
  // step.ts --worker N ruleIndex steps: prints { ms, status } of one simulate call.
  const [N, ruleIndex, steps] = args.slice(1, 4).map(Number) as [number, number, number];
  const t0 = performance.now();
  const result = simulate(spec(N, RULES[ruleIndex]!.rule, steps), { limits: { seconds: 3600 } });
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, status: result.status, ...(result.message ? { message: result.message } : {}) }));
  process.exit(0);
}

const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const widths = option('widths', '256,1000').split(',').map(Number);
const repeats = Number(option('repeats', '3'));
const outPath = option('out', 'out/bench/rules-step.json');

/** Step counts n1 < n2: n2 − n1 ≈ 100·(1000/N)² within [50, 2000] (≈ 2 s of GD at N = 1000 on a 2-core VM), n1 = (n2 − n1)/5. */
function stepCounts(N: number): [number, number] {
  const diff = Math.min(2000, Math.max(50, Math.round((100 * (TARGET_WIDTH / N) ** 2) / 50) * 50));
  const n1 = Math.max(10, Math.round(diff / 5));
  return [n1, n1 + diff];
}

const script = fileURLToPath(import.meta.url);
const warnings: string[] = [];
function timeInFreshProcess(N: number, ruleIndex: number, steps: number): number {
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--worker', String(N), String(ruleIndex), String(steps)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`worker N=${N} rule=${RULES[ruleIndex]!.name} steps=${steps} failed:\n${run.stderr}`);
  const out = JSON.parse(run.stdout) as { ms: number; status: string; message?: string };
  if (out.status !== 'ok') {
    // Still all steps were taken (divergence is checked at the records), but on infinities or NaNs.
    const w = `N=${N} rule=${RULES[ruleIndex]!.name} steps=${steps}: ${out.status}: ${out.message ?? ''}`;
    if (!warnings.includes(w)) warnings.push(w);
  }
  return out.ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Run { readonly t1: number; readonly t2: number; readonly msPerStep: number }
const runs = new Map<string, Run[]>(); // key `${N}|${rule}`
const key = (N: number, rule: string): string => `${N}|${rule}`;

console.log(`learning rules, cost per step: hierarchical dataset, depths [4, 4], η = ${LEARNING_RATE}, ${repeats} fresh-process repeats, median`);
for (const N of widths) {
  const [n1, n2] = stepCounts(N);
  console.log(`N = ${N}: n1 = ${n1}, n2 = ${n2} steps`);
  for (let r = 0; r < repeats; r++) {
    RULES.forEach(({ name }, i) => {
      const t1 = timeInFreshProcess(N, i, n1);
      const t2 = timeInFreshProcess(N, i, n2);
      const run = { t1, t2, msPerStep: (t2 - t1) / (n2 - n1) };
      runs.set(key(N, name), [...(runs.get(key(N, name)) ?? []), run]);
      process.stderr.write(`  repeat ${r + 1}/${repeats} ${name.padEnd(8)} ${run.msPerStep.toFixed(3)} ms/step (t(${n1}) = ${t1.toFixed(0)} ms, t(${n2}) = ${t2.toFixed(0)} ms)\n`);
    });
  }
}

const msPerStep = (N: number, rule: string): number => median(runs.get(key(N, rule))!.map((x) => x.msPerStep));
const ratio = (N: number, rule: string): number => msPerStep(N, rule) / msPerStep(N, 'gd');

const header = ['rule', ...widths.flatMap((N) => [`ms/step N=${N}`, 'ratio to GD'])];
const rows = RULES.map(({ name }) => [name, ...widths.flatMap((N) => [msPerStep(N, name).toFixed(3), ratio(N, name).toFixed(2)])]);
const colWidth = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(colWidth[i]!) : c.padStart(colWidth[i]!))).join(' | ')} |`;
console.log(`\n${line(header)}`);
console.log(`|${colWidth.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of rows) console.log(line(row));

let verdict: { met: boolean; worstRule: string; worstRatio: number } | null = null;
if (widths.includes(TARGET_WIDTH)) {
  const worst = [...TARGET_RULES].map((name) => ({ name, r: ratio(TARGET_WIDTH, name) })).sort((a, b) => b.r - a.r)[0]!;
  verdict = { met: worst.r <= TARGET_RATIO, worstRule: worst.name, worstRatio: worst.r };
  console.log(`\nFA/DFA step ≤ ${TARGET_RATIO}× GD at N = ${TARGET_WIDTH}: ${verdict.met ? 'met' : 'not met'} (worst ratio ${worst.r.toFixed(2)}, ${worst.name})`);
} else {
  console.log(`\nFA/DFA step ≤ ${TARGET_RATIO}× GD at N = ${TARGET_WIDTH}: n/a (N = ${TARGET_WIDTH} not in --widths)`);
}

for (const w of warnings) console.log(`warning: ${w} — that rule's figure is not representative`);

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(
  outPath,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
      settings: { task: 'hierarchical', depths: [4, 4], learningRate: LEARNING_RATE, init: { kind: 'gaussian', sigma: 0.1, seed: 1 }, repeats, widths },
      warnings,
      target: { rules: [...TARGET_RULES], width: TARGET_WIDTH, ratio: TARGET_RATIO, ...(verdict ?? {}) },
      results: widths.map((N) => {
        const [n1, n2] = stepCounts(N);
        return {
          width: N,
          n1,
          n2,
          rules: RULES.map(({ name, rule }) => ({ name, rule, msPerStep: msPerStep(N, name), ratioToGd: ratio(N, name), runs: runs.get(key(N, name)) })),
        };
      }),
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${outPath}`);
