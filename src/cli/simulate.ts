/**
 * `dln simulate <spec.json>`: train a full network and print its mode strengths (docs/simulator.md).
 */
import type { Command } from 'commander';
import { simulate } from '../network/simulate.ts';
import { readJsonFile, reportError } from './io.ts';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('train a full multi-pathway network on a task and print K_aα = (Uᵀ Ω_a V)_αα at recorded steps')
    .argument('<spec.json>', 'simulation spec, see docs/simulator.md (- for stdin)')
    .action((file: string) => {
      try {
        const result = simulate(readJsonFile(file));
        process.stdout.write(JSON.stringify(result) + '\n');
        if (result.status !== 'ok') {
          process.stderr.write(`dln: simulate failed: ${result.message ?? 'unknown reason'}\n`);
          process.exitCode = 1;
        }
      } catch (err) {
        process.exitCode = reportError(err, `simulation spec ${file}`);
      }
    });
}
