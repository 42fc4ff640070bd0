/** A `dln` subcommand: one module each under src/cli/commands/, listed in ./index.ts, which main.ts walks. */
import type { Command } from 'commander';

export interface CliCommand {
  /** The subcommand's name, as typed after `dln`. */
  readonly name: string;
  /** Adds the subcommand (arguments, options, action) to the program. Heavy modules load inside the action. */
  register(program: Command): void;
}
