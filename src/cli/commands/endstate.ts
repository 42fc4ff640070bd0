/**
 * `dln endstate <problem.json>`: the final mode strengths of a reduced problem from the clock-change engine,
 * without integrating the ODE (docs/end-states.md).
 */
import { endState } from '../../exact/endstate.ts';
import { reportError } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import type { CliCommand } from './command.ts';

export const endstateCommand: CliCommand = {
  name: 'endstate',
  register(program) {
    program
      .command('endstate')
      .description('final strengths K_aα, shares, winner share and participation of every mode, without an ODE solve')
      .argument('<problem.json>', 'problem file as for `dln solve` (times optional), see docs/end-states.md (- for stdin)')
      .action((file: string) => {
        try {
          // Shares of a mode whose final total is 0 are NaN, written as null by JSON.stringify.
          process.stdout.write(JSON.stringify(endState(readJsonFile(file))) + '\n');
        } catch (err) {
          process.exitCode = reportError(err, { command: 'endstate', input: `problem ${file}` });
        }
      });
  },
};
