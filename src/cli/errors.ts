/**
 * How the `dln` command reports errors: one family (src/util/errors.ts), one exit code per kind.
 *   ValidationError  bad input (a file's field, a flag, the state of an output directory)  → exit 2
 *   ComputationError valid input whose computation failed                                   → exit 1
 *   anything else    a bug: the stack goes to stderr                                          → exit 70
 */
import { ComputationError, ValidationError } from '../util/errors.ts';

/**
 * Bad input whose message stands alone, for the user as it is (a file that cannot be read, a file of the wrong
 * kind): a ValidationError of the field it concerns, reported without the "invalid <input>:" prefix.
 */
export class CliError extends ValidationError {
  constructor(message: string, field: string, value?: unknown, allowed = 'see the message') {
    super(field, value, allowed);
    this.name = 'CliError';
    this.message = message;
  }
}

/** Exit codes of the `dln` command. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, internal: 70, interrupted: 130 } as const;

export interface ErrorContext {
  /** The subcommand, for "dln: <command> failed: …". */
  readonly command: string;
  /** What the input is, for "dln: invalid <input>: …", e.g. `problem p.json`. */
  readonly input: string;
}

/** Errors whose message already says everything (no "invalid <input>:" prefix). */
function standsAlone(err: ValidationError): boolean {
  // A flag's error names the flag first; a CliError or a sweep directory's state error (SweepStateError of
  // src/sweep/store.ts, matched by name so that every command need not load the sweep modules) are whole messages.
  return err.field.startsWith('--') || err.name === 'CliError' || err.name === 'SweepStateError';
}

/** Prints one line for an error of the family (a stack for anything else) and returns the exit code. */
export function reportError(err: unknown, context: ErrorContext): number {
  if (err instanceof ValidationError) {
    process.stderr.write(standsAlone(err) ? `dln: ${err.message}\n` : `dln: invalid ${context.input}: ${err.message}\n`);
    return EXIT.badInput;
  }
  if (err instanceof ComputationError) {
    process.stderr.write(`dln: ${context.command} failed: ${err.message}\n`);
    return EXIT.failed;
  }
  process.stderr.write(`dln: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.internal;
}

/** The exit code for a run that returned a partial result with a status: 0, or 1 with the reason on stderr. */
export function reportStatus(result: { readonly status: string; readonly message?: string | undefined }, context: ErrorContext): number {
  if (result.status === 'ok') return EXIT.ok;
  return reportError(new ComputationError(result.message ?? 'unknown reason'), context);
}
