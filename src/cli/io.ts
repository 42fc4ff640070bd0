/** Reading inputs and reporting errors for the `dln` command. */
import { readFileSync } from 'node:fs';
import { ValidationError } from '../util/validation.ts';

/** Reads and parses a JSON file (`-` reads standard input), with the file named in any error. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** An error whose message is for the user as it stands (no stack trace). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Prints a user-facing message for known errors, a stack for bugs, and returns the exit code. */
export function reportError(err: unknown, context: string): number {
  if (err instanceof ValidationError) {
    process.stderr.write(`dln: invalid ${context}: ${err.message}\n`);
    return 2;
  }
  if (err instanceof CliError) {
    process.stderr.write(`dln: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`dln: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}
