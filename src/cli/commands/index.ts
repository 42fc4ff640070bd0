/**
 * The `dln` subcommands, in the order `dln --help` lists them. A new subcommand is a module under
 * src/cli/commands/ exporting a CliCommand, and one entry here.
 */
import type { CliCommand } from './command.ts';
import { endstateCommand } from './endstate.ts';
import { gdlnCommand } from './gdln.ts';
import { meanfieldCommand } from './meanfield.ts';
import { mergeCommand } from './merge.ts';
import { plotCommand } from './plot.ts';
import { simulateCommand } from './simulate.ts';
import { solveCommand } from './solve.ts';
import { sweepCommand } from './sweep.ts';
import { twolayerCommand } from './twolayer.ts';

export type { CliCommand } from './command.ts';

export const COMMANDS: readonly CliCommand[] = [solveCommand, sweepCommand, mergeCommand, plotCommand, simulateCommand, endstateCommand, gdlnCommand, twolayerCommand, meanfieldCommand];
