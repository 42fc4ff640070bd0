/**
 * Retained memory of a solveReduced result against the number of output times (issue 13, item 5): the
 * goal is at most 4× the 8 bytes of every number the result returns (times, strengths, loss).
 *
 *   node --expose-gc --import tsx bench/memory/run.ts [--sizes 1e3,1e4,1e5,1e6] [--access]
 *
 * Each size runs in a fresh child process (so one size's garbage and pinned scratch never count in another's):
 * it measures heapUsed + arrayBuffers after a full GC before the solve and with the solution alive after it.
 * --access also reads solution.strengths (the nested arrays, built on first use) before measuring.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { solveReduced } from '../../src/index.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function retained(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function child(T: number, access: boolean): void {
  // One mode, two pathways of depth 3 (a typical problem): 1 time + 2 strengths + 1 loss = 4 numbers per time.
  const times = Array.from({ length: T }, (_, i) => (200 * i) / (T - 1));
  const problem = { singularValues: [3], depths: [3, 3], init: { q: [[0.5], [0.5]], p: [[0.01], [-0.02]] }, times };
  const before = retained();
  let solution: ReturnType<typeof solveReduced> | null = solveReduced(problem);
  if (access) void solution.strengths.length;
  const after = retained();
  const numbers = T * 4;
  if (solution.status !== 'ok') throw new Error(solution.message);
  solution = null;
  process.stdout.write(JSON.stringify({ T, bytes: after - before, numbers }));
}

if (option('--child') !== undefined) {
  child(Number(option('--child')), args.includes('--access'));
} else {
  const sizes = (option('--sizes') ?? '1e3,1e4,1e5,1e6').split(',').map(Number);
  const access = args.includes('--access');
  console.log(`retained bytes of a solveReduced result${access ? ' (strengths read)' : ''}; goal ≤ 32 B per number`);
  console.log('times      retained      B/time   B/number');
  for (const T of sizes) {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(T), ...(access ? ['--access'] : [])],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const { bytes, numbers } = JSON.parse(out) as { bytes: number; numbers: number };
    console.log(
      `${String(T).padEnd(10)} ${String(bytes).padStart(12)} ${(bytes / T).toFixed(1).padStart(10)} ${(bytes / numbers).toFixed(1).padStart(10)}`,
    );
  }
}
