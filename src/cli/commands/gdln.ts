/** `dln gdln <problem.json>`: train a gated deep linear network (full or by the race reduction), docs/gdln.md. */
import { ValidationError } from '../../util/errors.ts';
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import type { CliCommand } from './command.ts';

/** "4GB", "512MiB", "1e9": bytes (decimal and binary units both read as powers of 1024, as people mean them). */
export function parseByteSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(k|m|g|t)?i?b?\s*$/i.exec(text);
  const units: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  const value = m ? Number(m[1]) * (m[2] ? units[m[2].toLowerCase()]! : 1) : Number.NaN;
  if (!(value > 0 && Number.isFinite(value))) throw new ValidationError(flag, text, 'a size in bytes, e.g. 4GB, 512MB or 1e9');
  return value;
}

function parseSeconds(text: string, flag: string): number {
  const value = Number(text);
  if (!(value > 0 && Number.isFinite(value))) throw new ValidationError(flag, text, 'a number of seconds > 0');
  return value;
}

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
          const started = Date.now();
          let last = started;
          const onRecord = (done: number, total: number): void => {
            // Progress only for runs long enough to wonder about, at most twice a second.
            const now = Date.now();
            if (!options.progress || now - started < 1000 || (now - last < 500 && done < total)) return;
            last = now;
            process.stderr.write(`dln gdln: record ${done}/${total} (${((now - started) / 1000).toFixed(1)} s)\n`);
          };
          const result = solveGated(readJsonFile(file), { limits, onRecord });
          process.stdout.write(options.format === 'csv' ? gatedCsv(result) : JSON.stringify(result) + '\n');
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
