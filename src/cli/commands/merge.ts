/** `dln merge <dirs...> --out DIR`: join shard output directories into what one whole run writes (docs/sweeps.md). */
import { EXIT, reportError } from '../errors.ts';
import type { CliCommand } from './command.ts';
import { sweepModules } from './sweep-modules.ts';

export const mergeCommand: CliCommand = {
  name: 'merge',
  register(program) {
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
            process.exitCode = EXIT.failed;
          }
        } catch (err) {
          process.exitCode = reportError(err, { command: 'merge', input: 'merge input' });
        }
      });
  },
};
