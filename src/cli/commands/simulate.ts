/** `dln simulate <spec.json>`: train a full network and print its mode strengths (docs/simulator.md). */
import { simulate } from '../../network/simulate.ts';
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import type { CliCommand } from './command.ts';

export const simulateCommand: CliCommand = {
  name: 'simulate',
  register(program) {
    program
      .command('simulate')
      .description('train a full multi-pathway network on a task and print K_aα = (Uᵀ Ω_a V)_αα at recorded steps')
      .argument('<spec.json>', 'simulation spec, see docs/simulator.md (- for stdin)')
      .action((file: string) => {
        const context = { command: 'simulate', input: `simulation spec ${file}` };
        try {
          const result = simulate(readJsonFile(file));
          process.stdout.write(JSON.stringify(result) + '\n');
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
