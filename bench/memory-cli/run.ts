/**
 * Peak RSS of `dln solve` against the number of output times, JSON and CSV, written to /dev/null and to a
 * pipe (issue 13: the output is streamed, so what it adds to the memory should not grow with the times).
 *
 *   npx tsx bench/memory-cli/run.ts [--sizes 1e3,1e4,1e5,1e6] [--formats json,csv] [--main src/cli/main.ts] [--no-time]
 *
 * Each case is a fresh `node --import tsx <main> solve problem.json --format F` (main: the CLI entry of this
 * checkout, or of another one to compare), its peak RSS from /usr/bin/time (or, without it, from
 * process.resourceUsage().maxRSS reported by a wrapper around the CLI). "solve only" is the same process
 * reading and solving the problem without printing it: the difference is what the output costs. Bytes per
 * output time are counted on the pipe run. The problem: one mode, two depth-3 pathways (as bench/memory).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const TIME = '/usr/bin/time';
const SELF = fileURLToPath(import.meta.url);
/** --no-time: measure with the wrapper even where /usr/bin/time exists (to check that the two agree). */
const hasTime = (): boolean => existsSync(TIME) && !args.includes('--no-time');

/** Child modes: run the CLI (or only the solve); with --rss-file, write the peak RSS in bytes there. */
async function child(): Promise<void> {
  const rssFile = option('--rss-file');
  if (rssFile !== undefined) process.on('exit', () => writeFileSync(rssFile, String(process.resourceUsage().maxRSS * 1024)));
  if (args[0] === '--solve-only') {
    const { solveReduced } = await import('../../src/reduced/solve.ts');
    const solution = solveReduced(JSON.parse(readFileSync(args[1]!, 'utf8')) as unknown);
    if (solution.status !== 'ok') throw new Error(solution.message);
    return;
  }
  // --wrap MAIN ARGS… --rss-file F: the CLI as if started as `node MAIN ARGS…`.
  const main = args[1]!;
  const end = args.indexOf('--rss-file');
  process.argv = [process.argv[0]!, main, ...args.slice(2, end < 0 ? undefined : end)];
  await import(pathToFileURL(main).href);
}

interface Run {
  readonly rss: number;
  readonly bytes: number;
}

/** Runs `node --import tsx …command` with stdout to /dev/null or counted through a pipe; its peak RSS. */
async function measure(command: string[], to: 'null' | 'pipe', dir: string): Promise<Run> {
  const rssFile = join(dir, 'rss');
  rmSync(rssFile, { force: true });
  const useTime = hasTime();
  const node = [process.execPath, '--import', 'tsx'];
  const argv = useTime
    ? [TIME, '-f', '%M', '-o', rssFile, ...node, ...command]
    : [...node, ...(command[1] === 'solve' ? [SELF, '--wrap', ...command] : command), '--rss-file', rssFile];
  const stdout = to === 'null' ? openSync('/dev/null', 'w') : 'pipe';
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', stdout, 'inherit'] });
  let bytes = 0;
  proc.stdout?.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const code = await new Promise<number | null>((done) => proc.on('close', done));
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code}`);
  const report = readFileSync(rssFile, 'utf8').trim();
  // time -f %M reports kilobytes (its last line; a signal note may precede it), the wrapper bytes.
  const rss = useTime ? Number(report.split('\n').pop()) * 1024 : Number(report);
  return { rss, bytes };
}

const MB = (bytes: number): string => (bytes / 2 ** 20).toFixed(0).padStart(7);

async function main(): Promise<void> {
  const sizes = (option('--sizes') ?? '1e3,1e4,1e5,1e6').split(',').map(Number);
  const formats = (option('--formats') ?? 'json,csv').split(',');
  const cli = resolve(option('--main') ?? fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)));
  const dir = mkdtempSync(join(tmpdir(), 'dln-memory-cli-'));
  console.log(`peak RSS of dln solve (${cli}), MB; ${hasTime() ? TIME : 'process.resourceUsage().maxRSS'}`);
  const head = ['times', 'solve only', ...formats.flatMap((f) => [`${f} → null`, `${f} → pipe`, `${f} B/time`])];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---:').join('|')}|`);
  try {
    for (const T of sizes) {
      const times = Array.from({ length: T }, (_, i) => (200 * i) / (T - 1));
      const file = join(dir, `problem-${T}.json`);
      writeFileSync(file, JSON.stringify({ singularValues: [3], depths: [3, 3], init: { q: [[0.5], [0.5]], p: [[0.01], [-0.02]] }, times }));
      const base = await measure([SELF, '--solve-only', file], 'null', dir);
      const cells = [T.toExponential(0).replace('+', ''), MB(base.rss)];
      for (const format of formats) {
        const toNull = await measure([cli, 'solve', file, '--format', format], 'null', dir);
        const toPipe = await measure([cli, 'solve', file, '--format', format], 'pipe', dir);
        cells.push(MB(toNull.rss), MB(toPipe.rss), (toPipe.bytes / T).toFixed(1));
      }
      console.log(`| ${cells.join(' | ')} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args[0] === '--solve-only' || args[0] === '--wrap') await child();
else await main();
