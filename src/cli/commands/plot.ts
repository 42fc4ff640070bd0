/** `dln plot <dir|results.json> [--out DIR]`: render a sweep's plots again from its results (docs/sweeps.md). */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SweepResults } from '../../sweep/results.ts';
import { CliError, reportError } from '../errors.ts';
import { readJsonFile } from '../io.ts';
import type { CliCommand } from './command.ts';
import { sweepModules } from './sweep-modules.ts';

export const plotCommand: CliCommand = {
  name: 'plot',
  register(program) {
    program
      .command('plot')
      .description('render the plots of a sweep again from its results.json (a directory or the file)')
      .argument('<dir|results.json>', 'sweep output directory or results file')
      .option('--out <dir>', 'where to write the plots (default: next to the results)')
      .action(async (target: string, opts: { out?: string }) => {
        try {
          const { parseSweepSpec, prepareDir, RESULTS_JSON } = await sweepModules();
          const { renderSweepPlots } = await import('../../sweep/plots.ts');
          const isDir = existsSync(target) && statSync(target).isDirectory();
          const file = isDir ? join(target, RESULTS_JSON) : target;
          const results = readJsonFile(file) as Partial<SweepResults>;
          if (results.format !== 'dln-sweep-results/1' || !Array.isArray(results.rows)) {
            throw new CliError(`${file} is not a dln sweep results file`, file, results.format, 'a results.json written by dln sweep or dln merge');
          }
          const spec = parseSweepSpec(results.spec);
          const outDir = opts.out ?? (isDir ? target : join(file, '..'));
          prepareDir(outDir);
          const stems = await renderSweepPlots(spec, { rows: results.rows }, outDir);
          process.stdout.write(`${stems.length} plot(s) → ${outDir}: ${stems.map((s) => `${s}.png`).join(', ')}\n`);
        } catch (err) {
          process.exitCode = reportError(err, { command: 'plot', input: `results ${target}` });
        }
      });
  },
};
