/** `dln gdln <problem.json>`: train a gated deep linear network (full or by the race reduction), docs/gdln.md. */
import { ValidationError } from '../../util/errors.ts';
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import { progressLines } from '../progress.ts';
import { jsonFields, jsonObjectChunks, writeChunks } from '../stream.ts';
import type { CliCommand } from './command.ts';
import { parseByteSize, parseSeconds } from './limits.ts';

interface GdlnOptions {
  readonly format: string;
  readonly maxMemory?: string;
  readonly maxTime?: string;
  readonly progress: boolean;
}

export const gdlnCommand: CliCommand = {
  name: 'gdln',
  register(program) {
    program
      .command('gdln')
      .description('train a gated deep linear network (engine "network" or "reduced", the neural race) and print its records')
      .argument('<problem.json>', 'gated problem, see docs/gdln.md (- for stdin)')
      .option('--format <format>', 'json or csv (one row per record, edge and singular value)', 'json')
      .option('--max-memory <size>', 'refuse problems estimated to need more memory (default 2GiB)')
      .option('--max-time <seconds>', 'refuse problems estimated to run longer (default 600)')
      .option('--no-progress', 'no progress lines on stderr')
      .action(async (file: string, options: GdlnOptions) => {
        const context = { command: 'gdln', input: `gated problem ${file}` };
        try {
          if (options.format !== 'json' && options.format !== 'csv') {
            throw new ValidationError('--format', options.format, 'json or csv');
          }
          const limits = {
            ...(options.maxMemory !== undefined ? { memoryBytes: parseByteSize(options.maxMemory, '--max-memory') } : {}),
            ...(options.maxTime !== undefined ? { seconds: parseSeconds(options.maxTime, '--max-time') } : {}),
          };
          const { solveGated } = await import('../../gated/solve.ts');
          const { gatedCsv } = await import('../../gated/format.ts');
          const progress = progressLines({ write: (line) => process.stderr.write(line) });
          const onRecord = (done: number, total: number): void => {
            if (!options.progress) return;
            const line = (seconds: number): string => `dln gdln: record ${done}/${total} (${seconds.toFixed(1)} s)\n`;
            if (done < total) progress.update(line);
            else progress.finish(line);
          };
          const result = solveGated(readJsonFile(file), { limits, onRecord });
          if (options.format === 'csv') process.stdout.write(gatedCsv(result));
          else await writeChunks(process.stdout, jsonObjectChunks(jsonFields(result, ['records'])));
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
