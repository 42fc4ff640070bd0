/** Reading inputs for the `dln` command. */
import { readFileSync } from 'node:fs';
import { CliError } from './errors.ts';

/** Reads and parses a JSON file (`-` reads standard input), with the file named in any error. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, path, path, 'a readable file (- for standard input)');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`, path, path, 'a JSON file');
  }
}
