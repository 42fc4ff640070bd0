/** `dln sweep <spec.json> --out DIR`: run a phase-diagram sweep, resumably (docs/sweeps.md). */
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { EXIT, reportError } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import type { CliCommand } from './command.ts';
import { sweepModules } from './sweep-modules.ts';

function workerCount(text: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 0 && n <= 1024)) {
    throw new InvalidArgumentError(`got ${JSON.stringify(text)}; allowed: an integer 0 … 1024 (0 = run in the main thread)`);
  }
  return n;
}

interface SweepOptions {
  readonly out: string;
  readonly shard?: string;
  readonly workers?: number;
  readonly progress: boolean;
  readonly plots: boolean;
  readonly retryFailed?: boolean;
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  register(program) {
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
      .action(async (file: string, opts: SweepOptions) => {
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
            process.exitCode = EXIT.interrupted;
            return;
          }
          const failed = summary.results.pointsFailed;
          process.stdout.write(
            `${spec.name}: ${shardText(shard)}, ${summary.total} points (${summary.resumed} resumed, ${summary.ran} run, ${failed} failed) in ${(summary.elapsedMs / 1000).toFixed(1)} s on ${summary.workers === 0 ? 'the main thread' : `${summary.workers} worker thread(s)`} → ${opts.out}\n`,
          );
          // Failed points are results of the sweep (recorded with their messages), not a failed command.
          if (failed > 0) process.stderr.write(`dln: ${failed} point(s) failed; their messages are under "failures" in ${join(opts.out, RESULTS_JSON)}\n`);
        } catch (err) {
          process.exitCode = reportError(err, { command: 'sweep', input: `sweep spec ${file}` });
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      });
  },
};
