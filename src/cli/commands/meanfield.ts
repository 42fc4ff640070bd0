/**
 * `dln meanfield <spec.json>`: the solvable two-layer mean-field model of a learning rule (GD, ρ-FA, DFA,
 * Hebb; Bordelon & Pehlevan 2023): Δ, H_y and G̃ at the times asked, and the fixed point (docs/learning-rules.md).
 */
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import { jsonFields, jsonObjectChunks, writeChunks } from '../stream.ts';
import type { CliCommand } from './command.ts';

export const meanfieldCommand: CliCommand = {
  name: 'meanfield',
  register(program) {
    program
      .command('meanfield')
      .description('two-layer mean-field model of a learning rule: residual Δ, kernel H_y, feedback overlap G̃, fixed point')
      .argument('<spec.json>', '{ rule: "gd"|"fa"|"dfa"|"hebb", rho? (fa only), gamma0, target, times }, see docs/learning-rules.md (- for stdin)')
      .action(async (file: string) => {
        const context = { command: 'meanfield', input: `mean-field spec ${file}` };
        try {
          const { solveMeanField } = await import('../../rules/meanfield.ts');
          const result = solveMeanField(readJsonFile(file));
          await writeChunks(process.stdout, jsonObjectChunks(jsonFields(result, ['times', 'residual', 'kernel', 'feedbackOverlap'])));
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
