/** Running the `dln` command from tests: a fresh process per call, as a user would run it. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DLN = fileURLToPath(new URL('../../bin/dln.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dln ARGS…` to completion, with `input` on standard input. */
export function dln(args: string[], input?: string): CliRun {
  const run = spawnSync(process.execPath, [DLN, ...args], { encoding: 'utf8', input });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A temporary folder, and a writer of JSON files with fresh names inside it. */
export function jsonFiles(prefix: string): { dir: string; write(value: unknown): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let count = 0;
  return {
    dir,
    write(value: unknown): string {
      const path = join(dir, `f${count++}.json`);
      writeFileSync(path, JSON.stringify(value));
      return path;
    },
  };
}
