/**
 * `dln twolayer <spec.json>`: a two-layer linear network on whitened inputs, solved in closed form (λ-balanced
 * inits) or by gradient flow, with its product, tangent-kernel alignment and loss at the times asked
 * (docs/rich-lazy.md).
 */
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import { jsonFields, jsonObjectChunks, writeChunks } from '../stream.ts';
import type { CliCommand } from './command.ts';

export const twolayerCommand: CliCommand = {
  name: 'twolayer',
  register(program) {
    program
      .command('twolayer')
      .description('two-layer linear network: exact λ-balanced solution or gradient flow; product W₂W₁, kernel alignment, loss')
      .argument('<spec.json>', '{ sigmaYX, init: { W1, W2 }, tau?, times, solver?: "exact" | "flow" }, see docs/rich-lazy.md (- for stdin)')
      .action(async (file: string) => {
        const context = { command: 'twolayer', input: `two-layer spec ${file}` };
        try {
          const { solveTwoLayer } = await import('../../richlazy/twolayer.ts');
          const result = solveTwoLayer(readJsonFile(file));
          await writeChunks(process.stdout, jsonObjectChunks(jsonFields(result, ['product', 'kernelAlignment', 'loss', 'weightChange'])));
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
