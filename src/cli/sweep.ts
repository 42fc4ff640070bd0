/**
 * `dln sweep`, `dln merge` and `dln plot`: phase-diagram sweeps from the command line (docs/sweeps.md).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { SweepResults } from '../sweep/results.ts';
import { CliError, readJsonFile, reportError } from './io.ts';

function workerCount(text: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 0 && n <= 1024)) {
    throw new InvalidArgumentError(`got ${JSON.stringify(text)}; allowed: an integer 0 … 1024 (0 = run in the main thread)`);
  }
  return n;
}

/** Errors from the output directory's state are the user's to fix, like bad input. */
function report(err: unknown, context: string): number {
  return reportError(err instanceof Error && err.name === 'SweepStateError' ? new CliError(err.message) : err, context);
}

/**
 * The sweep modules, loaded when a sweep command runs: plotting pulls in Vega, which would otherwise slow
 * every `dln` command's start-up.
 */
async function sweepModules() {
  const [runner, spec, store, merge] = await Promise.all([
    import('../sweep/runner.ts'),
    import('../sweep/spec.ts'),
    import('../sweep/store.ts'),
    import('../sweep/merge.ts'),
  ]);
  return { ...runner, ...spec, ...store, ...merge };
}

export function registerSweepCommands(program: Command): void {
  program
    .command('sweep')
    .description('run a phase-diagram sweep (resumable: rerun the same command after an interruption)')
    .argument('<spec.json>', 'sweep spec, see docs/sweeps.md')
    .requiredOption('--out <dir>', 'output directory (points.jsonl, results.csv, results.json, plots)')
    .option('--shard <i/k>', 'run only the i-th of k disjoint parts (merge them with dln merge)')
    .option('--workers <n>', 'worker threads (default: auto — all cores unless the sweep is quick; 0 = main thread)', workerCount)
    .option('--no-progress', 'no progress output')
    .option('--no-plots', 'do not render plots')
    .option('--retry-failed', 'run again the points that failed in an earlier run')
    .action(async (file: string, opts: { out: string; shard?: string; workers?: number; progress: boolean; plots: boolean; retryFailed?: boolean }) => {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const { parseSweepSpec, parseShard, runSweep, shardText, RESULTS_JSON } = await sweepModules();
        const spec = parseSweepSpec(readJsonFile(file));
        const shard = opts.shard === undefined ? null : parseShard(opts.shard);
        const summary = await runSweep(spec, {
          outDir: opts.out,
          shard,
          ...(opts.workers === undefined ? {} : { workers: opts.workers }),
          progress: !opts.progress ? 'off' : process.stderr.isTTY ? 'bar' : 'lines',
          signal: controller.signal,
          plots: opts.plots,
          retryFailed: opts.retryFailed === true,
        });
        if (summary.interrupted) {
          process.stderr.write(
            `\ndln: interrupted: ${summary.resumed + summary.ran} of ${summary.total} points are in ${opts.out}; rerun the same command to resume\n`,
          );
          process.exitCode = 130;
          return;
        }
        const failed = summary.results.pointsFailed;
        process.stdout.write(
          `${spec.name}: ${shardText(shard)}, ${summary.total} points (${summary.resumed} resumed, ${summary.ran} run, ${failed} failed) in ${(summary.elapsedMs / 1000).toFixed(1)} s on ${summary.workers === 0 ? 'the main thread' : `${summary.workers} worker thread(s)`} → ${opts.out}\n`,
        );
        if (failed > 0) process.stderr.write(`dln: ${failed} point(s) failed; their messages are under "failures" in ${join(opts.out, RESULTS_JSON)}\n`);
      } catch (err) {
        process.exitCode = report(err, `sweep spec ${file}`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  program
    .command('merge')
    .description('join shard output directories into what one whole run would have written')
    .argument('<dirs...>', 'shard output directories')
    .requiredOption('--out <dir>', 'output directory')
    .option('--no-plots', 'do not render plots')
    .action(async (dirs: string[], opts: { out: string; plots: boolean }) => {
      try {
        const { mergeSweeps } = await sweepModules();
        const merged = await mergeSweeps(dirs, opts.out, { plots: opts.plots });
        process.stdout.write(`${merged.spec.name}: merged ${merged.points} of ${merged.total} points → ${opts.out}\n`);
        if (!merged.complete) {
          process.stderr.write(`dln: ${merged.total - merged.points} point(s) missing: is a shard absent or unfinished? (no plots rendered)\n`);
          process.exitCode = 1;
        }
      } catch (err) {
        process.exitCode = report(err, 'merge input');
      }
    });

  program
    .command('plot')
    .description('render the plots of a sweep again from its results.json (a directory or the file)')
    .argument('<dir|results.json>', 'sweep output directory or results file')
    .option('--out <dir>', 'where to write the plots (default: next to the results)')
    .action(async (target: string, opts: { out?: string }) => {
      try {
        const { parseSweepSpec, RESULTS_JSON } = await sweepModules();
        const { renderSweepPlots } = await import('../sweep/plots.ts');
        const isDir = existsSync(target) && statSync(target).isDirectory();
        const file = isDir ? join(target, RESULTS_JSON) : target;
        const results = readJsonFile(file) as Partial<SweepResults>;
        if (results.format !== 'dln-sweep-results/1' || !Array.isArray(results.rows)) {
          throw new CliError(`${file} is not a dln sweep results file`);
        }
        const spec = parseSweepSpec(results.spec);
        const outDir = opts.out ?? (isDir ? target : join(file, '..'));
        mkdirSync(outDir, { recursive: true });
        const stems = await renderSweepPlots(spec, { rows: results.rows }, outDir);
        process.stdout.write(`${stems.length} plot(s) → ${outDir}: ${stems.map((s) => `${s}.png`).join(', ')}\n`);
      } catch (err) {
        process.exitCode = report(err, `results ${target}`);
      }
    });
}

