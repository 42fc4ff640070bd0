/** `dln gdln <problem.json>`: train a gated deep linear network (full or by the race reduction), docs/gdln.md. */
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import { ValidationError } from '../../util/errors.ts';
import type { CliCommand } from './command.ts';

export const gdlnCommand: CliCommand = {
  name: 'gdln',
  register(program) {
    program
      .command('gdln')
      .description('train a gated deep linear network (engine "network" or "reduced", the neural race) and print its records')
      .argument('<problem.json>', 'gated problem, see docs/gdln.md (- for stdin)')
      .option('--format <format>', 'json or csv (one row per record, edge and singular value)', 'json')
      .action(async (file: string, options: { format: string }) => {
        const context = { command: 'gdln', input: `gated problem ${file}` };
        try {
          if (options.format !== 'json' && options.format !== 'csv') {
            throw new ValidationError('--format', options.format, 'json or csv');
          }
          const { solveGated } = await import('../../gated/solve.ts');
          const { gatedCsv } = await import('../../gated/format.ts');
          const result = solveGated(readJsonFile(file));
          process.stdout.write(options.format === 'csv' ? gatedCsv(result) : JSON.stringify(result) + '\n');
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
