/**
 * The `dln` command. Results go to stdout, messages to stderr; exit codes: 0 ok, 1 the computation failed
 * (partial result still printed), 2 bad input, 70 internal error.
 */
import { Command, Option } from 'commander';
import { solveReduced } from '../reduced/solve.ts';
import { strengthsCsv } from './format.ts';
import { CliError, readJsonFile, reportError } from './io.ts';
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
  .option(
    '--learning-fraction <f>',
    'also report each mode\'s learning time: the first t with Σ_a K_aα ≥ f·S_α/λ_α (JSON field learningTimes)',
  )
  .action((file: string, opts: { format: 'json' | 'csv'; learningFraction?: string }) => {
    try {
      const learningFraction = opts.learningFraction === undefined ? undefined : parseFraction(opts.learningFraction);
      const solution = solveReduced(readJsonFile(file), learningFraction === undefined ? {} : { learningFraction });
      const result = solution.toJSON();
      const json = learningFraction === undefined ? result : { ...result, learningTimes: solution.learningTimes };
      process.stdout.write(opts.format === 'csv' ? strengthsCsv(result) : JSON.stringify(json) + '\n');
      if (result.status !== 'ok') {
        process.stderr.write(`dln: solve failed: ${result.message ?? 'unknown reason'}\n`);
        process.exitCode = 1;
      }
    } catch (err) {
      process.exitCode = reportError(err, `problem ${file}`);
    }
  });

/** The --learning-fraction value: a number in (0, 1]. */
function parseFraction(text: string): number {
  const f = Number(text);
  if (!(text.trim() !== '' && f > 0 && f <= 1)) {
    throw new CliError(`--learning-fraction: got ${JSON.stringify(text)}; allowed: a number in (0, 1], e.g. 0.5`);
  }
  return f;
}

registerSweepCommands(program);
registerSimulateCommand(program);
registerEndstateCommand(program);
program.parse();
