/** `dln simulate <spec.json>`: train a full network and print its mode strengths (docs/simulator.md). */
import { simulate } from '../../network/simulate.ts';
import { reportError, reportStatus } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import { progressLines, type Progress } from '../progress.ts';
import { jsonFields, jsonObjectChunks, writeChunks } from '../stream.ts';
import type { CliCommand } from './command.ts';
import { parseByteSize, parseSeconds } from './limits.ts';

interface SimulateCliOptions {
  readonly maxMemory?: string;
  readonly maxTime?: string;
  /** true: --progress, false: --no-progress, undefined: neither (progress when stderr is a terminal). */
  readonly progress?: boolean;
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  register(program) {
    program
      .command('simulate')
      .description('train a full multi-pathway network on a task and print K_aα = (Uᵀ Ω_a V)_αα at recorded steps')
      .argument('<spec.json>', 'simulation spec, see docs/simulator.md (- for stdin)')
      .option('--max-memory <size>', 'refuse specs estimated to need more memory, e.g. 4GB (default 2GiB)')
      .option('--max-time <seconds>', 'refuse specs estimated to run longer (default 600)')
      .option('--progress', 'progress lines on stderr for runs longer than a second (default: when stderr is a terminal)')
      .option('--no-progress', 'no progress lines, even on a terminal')
      .action(async (file: string, options: SimulateCliOptions) => {
        const context = { command: 'simulate', input: `simulation spec ${file}` };
        try {
          const limits = {
            ...(options.maxMemory !== undefined ? { memoryBytes: parseByteSize(options.maxMemory, '--max-memory') } : {}),
            ...(options.maxTime !== undefined ? { seconds: parseSeconds(options.maxTime, '--max-time') } : {}),
          };
          // A redirected stderr is usually a log or another program: lines there only when asked for.
          const progress: Progress | null =
            (options.progress ?? process.stderr.isTTY === true) ? progressLines({ write: (line) => process.stderr.write(line) }) : null;
          let lastRecorded = 0;
          let lastTime = 0;
          let lastTotal = 0;
          const line = (seconds: number): string =>
            `dln simulate: record ${lastRecorded}/${lastTotal}, t = ${Number(lastTime.toPrecision(6))} (${seconds.toFixed(1)} s)\n`;
          const onRecord = (recorded: number, time: number, total: number): void => {
            lastRecorded = recorded;
            lastTime = time;
            lastTotal = total;
            progress?.update(line);
          };
          const result = simulate(readJsonFile(file), { limits, ...(progress ? { onRecord } : {}) });
          // After the run, also when it failed early: the last line says how far it got.
          progress?.finish(line);
          await writeChunks(process.stdout, jsonObjectChunks(jsonFields(result, ['times', 'strengths', 'loss'])));
          process.exitCode = reportStatus(result, context);
        } catch (err) {
          process.exitCode = reportError(err, context);
        }
      });
  },
};
