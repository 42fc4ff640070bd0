/**
 * The `dln` command. Results go to stdout, messages to stderr; exit codes: 0 ok, 1 the computation failed
 * (partial result still printed), 2 bad input, 70 internal error.
 */
import { Command, Option } from 'commander';
import { solveReduced } from '../reduced/solve.ts';
import { strengthsCsv } from './format.ts';
import { readJsonFile, reportError } from './io.ts';
import { registerSweepCommands } from './sweep.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerEndstateCommand } from './endstate.ts';

const program = new Command();
program
  .name('dln')
  .description('Learning dynamics of multi-pathway deep linear networks')
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('solve')
  .description('integrate the reduced singular-mode equations of a problem file (- for stdin)')
  .argument('<problem.json>', 'problem file, see docs/problem-format.md')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json'))
  .action((file: string, opts: { format: 'json' | 'csv' }) => {
    try {
      const solution = solveReduced(readJsonFile(file));
      const result = solution.toJSON();
      process.stdout.write(opts.format === 'csv' ? strengthsCsv(result) : JSON.stringify(result) + '\n');
      if (result.status !== 'ok') {
        process.stderr.write(`dln: solve failed: ${result.message ?? 'unknown reason'}\n`);
        process.exitCode = 1;
      }
    } catch (err) {
      process.exitCode = reportError(err, `problem ${file}`);
    }
  });

registerSweepCommands(program);
registerSimulateCommand(program);
registerEndstateCommand(program);
program.parse();
