/** `dln simulate <spec.json>`: train a full network and print its mode strengths (docs/simulator.md). */
import { simulate } from '../../network/simulate.ts';
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import type { CliCommand } from './command.ts';
import { parseByteSize, parseSeconds } from './limits.ts';

export const simulateCommand: CliCommand = {
  name: 'simulate',
  register(program) {
    program
      .command('simulate')
      .description('train a full multi-pathway network on a task and print K_aα = (Uᵀ Ω_a V)_αα at recorded steps')
      .argument('<spec.json>', 'simulation spec, see docs/simulator.md (- for stdin)')
      .option('--max-memory <size>', 'refuse specs estimated to need more memory, e.g. 4GB (default 2GiB)')
      .option('--max-time <seconds>', 'refuse specs estimated to run longer (default 600)')
      .action((file: string, options: { maxMemory?: string; maxTime?: string }) => {
        const context = { command: 'simulate', input: `simulation spec ${file}` };
        try {
          const limits = {
            ...(options.maxMemory !== undefined ? { memoryBytes: parseByteSize(options.maxMemory, '--max-memory') } : {}),
            ...(options.maxTime !== undefined ? { seconds: parseSeconds(options.maxTime, '--max-time') } : {}),
          };
          const result = simulate(readJsonFile(file), { limits });
          process.stdout.write(JSON.stringify(result) + '\n');
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
