/**
 * `dln endstate <problem.json>`: the final mode strengths of a reduced problem from the clock-change engine,
 * without integrating the ODE (docs/end-states.md).
 */
import type { Command } from 'commander';
import { endState } from '../exact/endstate.ts';
import { ValidationError } from '../util/errors.ts';
import { readJsonFile, reportError } from './io.ts';

export function registerEndstateCommand(program: Command): void {
  program
    .command('endstate')
    .description('final strengths K_aα, shares, winner share and participation of every mode, without an ODE solve')
    .argument('<problem.json>', 'problem file as for `dln solve` (times optional), see docs/end-states.md (- for stdin)')
    .action((file: string) => {
      try {
        // Shares of a mode whose final total is 0 are NaN, written as null by JSON.stringify.
        process.stdout.write(JSON.stringify(endState(readJsonFile(file))) + '\n');
      } catch (err) {
        // The engine's RangeError (a clock beyond double range) is a failed computation, not a bug: exit 1.
        if (err instanceof RangeError && !(err instanceof ValidationError)) {
          process.stderr.write(`dln: endstate failed: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        process.exitCode = reportError(err, `problem ${file}`);
      }
    });
}
