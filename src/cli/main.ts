/**
 * The `dln` command: the program and its subcommands (one module each under src/cli/commands/, listed in
 * src/cli/commands/index.ts). Results go to stdout, messages to stderr; exit codes: 0 ok, 1 the computation
 * failed (partial result still printed), 2 bad input, 70 internal error (src/cli/errors.ts).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { EXIT } from './errors.ts';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

// A reader that stops early (`dln solve … | head`) closes the pipe: that is the user's choice, not a failure,
// so the rest of the output is dropped and the command exits quietly (code 0) instead of printing a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
}

const program = new Command();
program
  .name('dln')
  .description('Learning dynamics of multi-pathway deep linear networks')
  .version(packageVersion(), '-V, --version', 'print the version of dln-dynamics')
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  // Usage errors found by commander (unknown command or option, bad choice) are bad input.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.badInput));

for (const command of COMMANDS) command.register(program);
program.parse();
