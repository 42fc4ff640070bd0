/** `dln solve <problem.json>`: integrate the reduced singular-mode equations (docs/problem-format.md). */
import { Option } from 'commander';
import { solveReduced, type ReducedSolution } from '../../reduced/solve.ts';
import { ValidationError } from '../../util/errors.ts';
import { reportError, reportStatus } from '../errors.ts';
import { strengthsCsvChunks } from '../format.ts';
import { readJsonFile } from '../io.ts';
import { jsonObjectChunks, nestedRows, rowFields, writeChunks, type StrengthRows } from '../stream.ts';
import type { CliCommand } from './command.ts';

/** The --learning-fraction value: a number in (0, 1]. */
export function parseFraction(text: string): number {
  const f = Number(text);
  if (!(text.trim() !== '' && f > 0 && f <= 1)) throw new ValidationError('--learning-fraction', text, 'a number in (0, 1], e.g. 0.5');
  return f;
}

/** What `dln solve` prints of a solution. */
export type SolveOutput = Pick<ReducedSolution, 'status' | 'message' | 'times' | 'strengths' | 'loss' | 'stats' | 'accuracy' | 'learningTimes'> &
  Partial<Pick<ReducedSolution, 'rows'>>;

/**
 * The rows of a solution, read in place when it is a solver's result (`rows()`): the public `strengths`
 * builds nested arrays of ≈ 224 B per output time (bench/memory), which streaming is meant to avoid. A plain
 * result (parsed JSON, a test's literal) is read through its arrays.
 */
export function solutionRows(solution: SolveOutput): StrengthRows {
  if (solution.rows === undefined) return nestedRows(solution);
  const rows = solution.rows();
  return {
    length: rows.length,
    time: (i) => rows.time(i),
    loss: (i) => rows.loss(i),
    pathways: () => rows.pathways,
    modes: () => rows.modes,
    strength: (i, a, m) => rows.strength(i, a, m),
  };
}

/**
 * The text `dln solve` prints, in chunks of one output time: JSON.stringify of the result of the contract
 * (plus learningTimes with --learning-fraction), or the CSV of src/cli/format.ts.
 */
export function solveOutput(solution: SolveOutput, format: 'json' | 'csv', withLearningTimes: boolean): Iterable<string> {
  const rows = solutionRows(solution);
  if (format === 'csv') return strengthsCsvChunks(rows);
  // The key order of ReducedSolution.toJSON(), then learningTimes as the command always added it.
  return jsonObjectChunks([
    { key: 'status', value: solution.status },
    { key: 'message', value: solution.message },
    ...rowFields(rows),
    { key: 'stats', value: solution.stats },
    { key: 'accuracy', value: solution.accuracy },
    ...(withLearningTimes ? [{ key: 'learningTimes', value: solution.learningTimes }] : []),
  ]);
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
      .action(async (file: string, opts: { format: 'json' | 'csv'; learningFraction?: string }) => {
        const context = { command: 'solve', input: `problem ${file}` };
        try {
          const learningFraction = opts.learningFraction === undefined ? undefined : parseFraction(opts.learningFraction);
          const solution = solveReduced(readJsonFile(file), learningFraction === undefined ? {} : { learningFraction });
          await writeChunks(process.stdout, solveOutput(solution, opts.format, learningFraction !== undefined));
          process.exitCode = reportStatus(solution, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
