/** `dln solve <problem.json>`: integrate the reduced singular-mode equations (docs/problem-format.md). */
import { Option } from 'commander';
import { solveReduced } from '../../reduced/solve.ts';
import { ValidationError } from '../../util/errors.ts';
import { reportError, reportStatus } from '../errors.ts';
import { strengthsCsv } from '../format.ts';
import { readJsonFile } from '../io.ts';
import type { CliCommand } from './command.ts';

/** The --learning-fraction value: a number in (0, 1]. */
export function parseFraction(text: string): number {
  const f = Number(text);
  if (!(text.trim() !== '' && f > 0 && f <= 1)) throw new ValidationError('--learning-fraction', text, 'a number in (0, 1], e.g. 0.5');
  return f;
}

export const solveCommand: CliCommand = {
  name: 'solve',
  register(program) {
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
        const context = { command: 'solve', input: `problem ${file}` };
        try {
          const learningFraction = opts.learningFraction === undefined ? undefined : parseFraction(opts.learningFraction);
          const solution = solveReduced(readJsonFile(file), learningFraction === undefined ? {} : { learningFraction });
          const result = solution.toJSON();
          const json = learningFraction === undefined ? result : { ...result, learningTimes: solution.learningTimes };
          process.stdout.write(opts.format === 'csv' ? strengthsCsv(result) : JSON.stringify(json) + '\n');
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
