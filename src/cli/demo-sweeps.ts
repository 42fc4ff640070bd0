/**
 * The demo's phase diagrams: runs the three example sweeps (examples/sweep-depth-sigma.json,
 * sweep-unequal-depths.json, sweep-width-depth.json), copies each figure and its CSV to the demo directory as
 * a-…, b-…, c-…, and checks the diagrams against the theory of Shi, Shea-Brown & Buice (2022) §2.3–2.4:
 * depth 2 never concentrates; concentration rises with depth; for unequal depths σ decides which pathway wins;
 * wider networks concentrate less.
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { engineAvailable } from '../sweep/engines.ts';
import { plotFileStem } from '../sweep/plots.ts';
import type { ResultRow, SweepResults } from '../sweep/results.ts';
import { RESULTS_CSV, runSweep } from '../sweep/runner.ts';
import { sweepEngine } from '../sweep/registry.ts';
import { parseSweepSpec, type EngineName } from '../sweep/spec.ts';

interface Figure {
  readonly letter: 'a' | 'b' | 'c';
  readonly example: string;
}

const FIGURES: readonly Figure[] = [
  { letter: 'a', example: 'sweep-depth-sigma.json' },
  { letter: 'b', example: 'sweep-unequal-depths.json' },
  { letter: 'c', example: 'sweep-width-depth.json' },
];

export interface Check {
  readonly claim: string;
  readonly pass: boolean;
  readonly evidence: string;
}

/** Mean of a measure at given coordinates (undefined if the cell is absent). */
function meanAt(rows: readonly ResultRow[], measure: string, coords: Record<string, number>): number | undefined {
  const row = rows.find((r) => r.measure === measure && Object.entries(coords).every(([k, v]) => r.coords[k as keyof typeof r.coords] === v));
  return row?.mean ?? undefined;
}

const f3 = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(3));

/**
 * Spearman rank correlation: the Pearson correlation of the ranks, tied values sharing their mean rank (winner
 * shares saturate at 1, where seeds can tie exactly). NaN if any value is missing, so a check on it fails.
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if ([...xs, ...ys].some((v) => Number.isNaN(v))) return NaN;
  const rank = (v: readonly number[]): number[] => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let k = 0; k < order.length; ) {
      let end = k;
      while (end + 1 < order.length && order[end + 1]![0] === order[k]![0]) end++;
      for (let j = k; j <= end; j++) r[order[j]![1]] = (k + end) / 2;
      k = end + 1;
    }
    return r;
  };
  const rx = rank(xs);
  const ry = rank(ys);
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const [mx, my] = [mean(rx), mean(ry)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  rx.forEach((x, i) => {
    sxy += (x - mx) * (ry[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

/** (a): depth 2 never concentrates; concentration rises with depth at every σ. */
export function checkDepthSigma(results: Pick<SweepResults, 'rows'>, depths: readonly number[], sigmas: readonly number[]): Check[] {
  const rows = results.rows;
  const shallow = [1, 2].flatMap((depth) => sigmas.map((sigma) => meanAt(rows, 'winnerShare', { depth, sigma }) ?? NaN));
  const maxShallow = Math.max(...shallow);
  const perSigma = sigmas.map((sigma) => {
    const ys = depths.map((depth) => meanAt(rows, 'winnerShare', { depth, sigma }) ?? NaN);
    return { sigma, rho: spearman(depths, ys), d2: ys[depths.indexOf(2)]!, dMax: ys.at(-1)! };
  });
  return [
    {
      claim: 'Depths 1 and 2 never concentrate: winner share stays near ½ (≤ 0.6) at every σ',
      pass: maxShallow <= 0.6,
      evidence: `largest mean winner share at D ≤ 2 over all σ: ${f3(maxShallow)}`,
    },
    {
      claim: `Concentration rises with depth at every σ (rank correlation of winner share with D ≥ 0.8, and D = ${depths.at(-1)} above D = 2 by > 0.1)`,
      pass: perSigma.every((p) => p.rho >= 0.8 && p.dMax - p.d2 > 0.1),
      evidence: perSigma.map((p) => `σ = ${p.sigma.toPrecision(3)}: ρ = ${p.rho.toFixed(2)}, D=2 → ${f3(p.d2)}, D=${depths.at(-1)} → ${f3(p.dMax)}`).join('; '),
    },
  ];
}

/** (b): with unequal depths the shallower pathway wins at small σ, the deeper one at large σ. */
export function checkUnequalDepths(results: Pick<SweepResults, 'rows'>, depths: readonly number[], sigmas: readonly number[]): Check[] {
  const [small, large] = [Math.min(...sigmas), Math.max(...sigmas)];
  const shares = (sigma: number): number[] =>
    depths.flatMap((d1) => depths.filter((d2) => d2 !== d1).map((d2) => meanAt(results.rows, 'deepestShare', { depth1: d1, depth2: d2, sigma }) ?? NaN));
  const lo = shares(small);
  const hi = shares(large);
  const frac = (xs: number[], ok: (x: number) => boolean): string => `${xs.filter(ok).length}/${xs.length}`;
  return [
    {
      claim: `For unequal depths σ decides which pathway wins: at σ = ${small} the shallower pathway takes most of the mode (deeper share < ½)`,
      pass: lo.every((x) => x < 0.5),
      evidence: `deeper share < ½ in ${frac(lo, (x) => x < 0.5)} unequal-depth cells; largest ${f3(Math.max(...lo))}`,
    },
    {
      claim: `and at σ = ${large} the deeper pathway does (deeper share > ½)`,
      pass: hi.every((x) => x > 0.5),
      evidence: `deeper share > ½ in ${frac(hi, (x) => x > 0.5)} unequal-depth cells; smallest ${f3(Math.min(...hi))}`,
    },
  ];
}

/** (c): at fixed depth ≥ 3 wider networks concentrate less; depth 2 tends to ½ as N grows. */
export function checkWidthDepth(results: Pick<SweepResults, 'rows'>, widths: readonly number[], depths: readonly number[]): Check[] {
  const [nLo, nHi] = [Math.min(...widths), Math.max(...widths)];
  const drops = depths
    .filter((d) => d >= 3 && d <= 6)
    .map((depth) => ({ depth, narrow: meanAt(results.rows, 'winnerShare', { width: nLo, depth })!, wide: meanAt(results.rows, 'winnerShare', { width: nHi, depth })! }));
  const d2Wide = meanAt(results.rows, 'winnerShare', { width: nHi, depth: 2 });
  return [
    {
      claim: `Wider networks concentrate less (winner share at N = ${nLo} exceeds that at N = ${nHi} for D = 3…6)`,
      pass: drops.every((d) => d.narrow > d.wide),
      evidence: drops.map((d) => `D = ${d.depth}: ${f3(d.narrow)} → ${f3(d.wide)}`).join('; '),
    },
    {
      claim: `Depth 2 approaches an even split as N grows (winner share ≤ 0.52 at N = ${nHi})`,
      pass: d2Wide !== undefined && d2Wide <= 0.52,
      evidence: `D = 2, N = ${nHi}: ${f3(d2Wide)}`,
    },
  ];
}

export interface DemoSweepOptions {
  readonly workers?: number;
  readonly engine?: string;
}

/** Runs the three sweeps into `outDir`, returns the summary's markdown lines. */
export async function runDemoSweeps(outDir: string, options: DemoSweepOptions = {}): Promise<string[]> {
  let engine: EngineName;
  if (options.engine !== undefined) {
    engine = sweepEngine(options.engine, '--engine').name;
  } else {
    // The end-state engine (a 1-D root find per point) is far cheaper than integrating; use it when present.
    engine = (await engineAvailable('endstate')) ? 'endstate' : 'reduced';
  }
  const lines: string[] = [
    '## Phase diagrams',
    '',
    `Engine: \`${engine}\`. Each figure is a sweep of \`examples/<spec>\`; its full output (points.jsonl, results.json, all plots) is in \`sweeps/<name>/\`, and its tidy CSV (one row per grid cell and measure: mean, 95% CI, seeds) is copied next to the figure.`,
    '',
  ];
  const checks: Check[] = [];
  for (const fig of FIGURES) {
    const input = JSON.parse(readFileSync(new URL(`../../examples/${fig.example}`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const spec = parseSweepSpec({ ...input, engine });
    const dir = join(outDir, 'sweeps', spec.name);
    rmSync(dir, { recursive: true, force: true }); // a fresh run: the engine may differ from the last demo's
    const summary = await runSweep(spec, {
      outDir: dir,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      progress: 'off',
    });
    if (!summary.complete) throw new Error(`demo sweep ${spec.name} did not complete`);
    const csv = `${fig.letter}-${spec.name}.csv`;
    copyFileSync(join(dir, RESULTS_CSV), join(outDir, csv));
    const figures = (spec.plots ?? []).map((plot) => {
      const stem = plotFileStem(plot);
      for (const ext of ['png', 'svg']) copyFileSync(join(dir, `${stem}.${ext}`), join(outDir, `${fig.letter}-${stem}.${ext}`));
      return `${fig.letter}-${stem}.png`;
    });
    const axis = (name: string): number[] => [...spec.axes.find((a) => a.name === name)!.values];
    const figureChecks =
      fig.letter === 'a'
        ? checkDepthSigma(summary.results, axis('depth'), axis('sigma'))
        : fig.letter === 'b'
          ? checkUnequalDepths(summary.results, axis('depth1'), axis('sigma'))
          : checkWidthDepth(summary.results, axis('width'), axis('depth'));
    checks.push(...figureChecks);
    lines.push(
      `### (${fig.letter}) ${String(input['description'] ?? spec.name).replace(/^Demo figure \([abc]\): /, '')}`,
      '',
      `${summary.total} points (${spec.seeds} seeds per cell, ${summary.failed} failed) in ${(summary.elapsedMs / 1000).toFixed(1)} s. ` +
        `Figures: ${figures.map((f) => `![${f}](${f})`).join(' ')}; CSV: \`${csv}\`.`,
      '',
      ...figureChecks.map((c) => `- **${c.pass ? 'PASS' : 'FAIL'}** ${c.claim} — ${c.evidence}.`),
      '',
    );
  }
  lines.push(
    '### What the diagrams show',
    '',
    '- Depth 1 and depth 2 split every mode almost evenly between the pathways, whatever σ: with depth ≤ 2 a small ' +
      'initial difference between pathways is never amplified (at depth 2 the final shares are ≈ (p₀ + q₀)² / Σ(p₀ + q₀)², i.e. ½ + O(1/√N)).',
    '- From depth 3 on, the pathway that starts ahead races to the target while the other is still on its plateau: the winner ' +
      'share climbs towards 1 with depth, and faster at small σ (the plateau lasts ~ σ^{−(D−2)}, so small starts magnify differences).',
    '- With unequal depths the winner is not a matter of chance but of σ: from a small start the shallower pathway learns first and ' +
      'takes the mode; from σ ≳ 1 the deeper pathway, whose gain q^{D−1} is then the larger, does.',
    '- Width works against concentration: the spread of p₀ is σ/√N, so wider networks start more alike and end more evenly split; ' +
      'depth (σ^{D−2} → 0) beats width.',
    '',
  );
  const failed = checks.filter((c) => !c.pass).length;
  lines.push(
    `Theory checks: ${checks.length - failed} of ${checks.length} pass.` +
      (failed ? ' A FAIL means the diagram disagrees with the theory of Shi et al. (2022) §2.3–2.4: look at it before trusting it.' : ''),
  );
  return lines;
}
