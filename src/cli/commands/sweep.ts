/**
 * `dln sweep <spec.json> --out DIR`: run a phase-diagram sweep, resumably (docs/sweeps.md), or submit it to
 * SLURM as a job array and a merge job (`--slurm K`, docs/cluster.md).
 */
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import * as flags from '../../sweep/slurm-flags.ts';
import type { SlurmPlan } from '../../sweep/slurm.ts';
import { ValidationError } from '../../util/errors.ts';
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

/** A flag parser of src/sweep/slurm-flags.ts as commander takes it: its ValidationError becomes a usage error. */
function flag<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof ValidationError) throw new InvalidArgumentError(`got ${JSON.stringify(text)}; allowed: ${err.allowed}`);
      throw err;
    }
  };
}

/** `--sbatch` is kept as given (the plan splits it again); parsed here so that a bad one is a usage error. */
function checkedSbatch(text: string): string {
  flags.sbatchOptions(text);
  return text;
}

interface SweepOptions {
  readonly out: string;
  readonly shard?: string;
  readonly workers?: number;
  readonly progress: boolean;
  readonly plots: boolean;
  readonly retryFailed?: boolean;
  readonly slurm?: number;
  readonly sbatch?: string;
  readonly slurmScript?: boolean;
  readonly slurmTime?: number;
  readonly slurmMem?: number;
  readonly slurmCpus?: number;
}

/** Flags that only mean something with --slurm K. */
const SLURM_ONLY = [
  ['sbatch', '--sbatch'],
  ['slurmScript', '--slurm-script'],
  ['slurmTime', '--slurm-time'],
  ['slurmMem', '--slurm-mem'],
  ['slurmCpus', '--slurm-cpus'],
] as const;

/** Refuses flag combinations that cannot mean anything, naming the flag. */
function checkFlags(opts: SweepOptions): void {
  if (opts.slurm === undefined) {
    for (const [key, name] of SLURM_ONLY) {
      const value = opts[key];
      if (value === undefined) continue;
      // Parsed values shown as the flag takes them (seconds and MiB would not be what the user typed).
      const shown = key === 'slurmTime' ? flags.formatSlurmTime(value as number) : key === 'slurmMem' ? `${value as number}M` : value;
      throw new ValidationError(name, shown, 'nothing without --slurm K');
    }
    return;
  }
  if (opts.shard !== undefined) throw new ValidationError('--shard', opts.shard, 'nothing with --slurm K (array task i runs shard i/K)');
  if (opts.workers !== undefined) throw new ValidationError('--workers', opts.workers, 'nothing with --slurm K (each task runs a thread per CPU: --slurm-cpus n)');
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
      .option('--slurm <K>', 'submit to SLURM: a K-task job array (task i runs shard i/K) and a merge job after it; prints the merge job id last', flag(flags.parseTaskCount))
      .option('--sbatch <options>', 'further sbatch options for both jobs, e.g. "--partition=short --account=abc"', flag(checkedSbatch))
      .option('--slurm-script', 'write the two batch scripts into DIR/slurm/ instead of submitting them')
      .option('--slurm-time <time>', 'time limit per task (default: from the cost estimate, at least 5 min), e.g. 2:00:00', flag(flags.parseSlurmTime))
      .option('--slurm-mem <size>', 'memory per task (default: from the cost estimate, at least 1G), e.g. 4G', flag(flags.parseSlurmMemory))
      .option('--slurm-cpus <n>', 'CPUs per task, one worker thread each (default 1)', flag(flags.parseCpus))
      .action(async (file: string, opts: SweepOptions) => {
        if (opts.slurm !== undefined) {
          try {
            checkFlags(opts);
            await submitToSlurm(file, opts);
          } catch (err) {
            process.exitCode = reportError(err, { command: 'sweep', input: `sweep spec ${file}` });
          }
          return;
        }
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          checkFlags(opts);
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

/** `--slurm K`: writes the batch scripts and (unless --slurm-script) submits them; the merge job id goes last. */
async function submitToSlurm(file: string, opts: SweepOptions): Promise<void> {
  const { parseSweepSpec } = await sweepModules();
  // Loaded only here: it imports the engines' cost models.
  const slurm = await import('../../sweep/slurm.ts');
  const spec = parseSweepSpec(readJsonFile(file));
  const options = {
    outDir: opts.out,
    tasks: opts.slurm!,
    ...(opts.sbatch === undefined ? {} : { sbatch: opts.sbatch }),
    ...(opts.slurmTime === undefined ? {} : { timeSeconds: opts.slurmTime }),
    ...(opts.slurmMem === undefined ? {} : { memoryMiB: opts.slurmMem }),
    ...(opts.slurmCpus === undefined ? {} : { cpus: opts.slurmCpus }),
    progress: opts.progress,
    plots: opts.plots,
    retryFailed: opts.retryFailed === true,
  };
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const sizing = (plan: SlurmPlan): string =>
    `${slurm.formatSlurmTime(plan.task.timeSeconds)}, ${plan.task.memoryMiB}M, ${plan.task.cpus} CPU(s) per task` +
    ` (estimate of the costliest shard: ${plan.cost.points} points, ${flags.describeSeconds(plan.cost.seconds)} on one core)`;
  if (opts.slurmScript === true) {
    const written = slurm.writeSlurmSweep(spec, options);
    out(`${spec.name}: wrote ${written.task} (array 1-${written.plan.tasks}: ${sizing(written.plan)}) and ${written.merge}; submit them with`);
    out(`  sbatch --parsable ${slurm.shellQuote(written.task)}`);
    out(`  sbatch --dependency=afterok:<that job id> ${slurm.shellQuote(written.merge)}`);
    return;
  }
  const s = slurm.submitSlurmSweep(spec, options);
  const K = s.plan.tasks;
  out(`${spec.name}: ${s.plan.points} points in ${K} shards under ${join(opts.out, slurm.SHARDS_DIR)}/<i>; ${sizing(s.plan)}`);
  if (s.complete.length > 0) out(`${spec.name}: ${s.complete.length} of ${K} shards already complete: ${slurm.arrayRanges(s.complete)}`);
  if (s.after.length > 0) out(`${spec.name}: still queued from an earlier submission: ${s.after.join(' ')}`);
  if (s.cancelled.length > 0) out(`${spec.name}: cancelled the earlier merge job(s) ${s.cancelled.join(' ')}`);
  if (s.arrayJob !== null) out(`${spec.name}: submitted job array ${s.arrayJob} (tasks ${slurm.arrayRanges(s.submitted)}); logs in ${join(opts.out, slurm.SLURM_DIR, slurm.LOGS)}`);
  const waits = [...(s.arrayJob === null ? [] : [s.arrayJob]), ...s.after];
  out(
    `${spec.name}: merge job ${s.mergeJob}${waits.length === 0 ? '' : ` runs once ${waits.join(', ')} ${waits.length === 1 ? 'has' : 'have'} succeeded (afterok) and`} writes ${opts.out}/results.csv, results.json${opts.plots ? ' and the plots' : ''}`,
  );
  out(s.mergeJob);
}
