/**
 * One batch of bench/fuzz/run.ts, in its own process: inputs [start, start + count) of the seeded hostile
 * sequence for one entry point. Prints one outcome letter per input as it finishes (so the parent knows where
 * a crash or timeout happened), and one line per escaped error on stderr.
 *   o returned ok · f returned failed/stopped · v ValidationError · c ComputationError · x other error
 */
import fc from 'fast-check';
import { allFinite, hostileInput } from '../../spec/fuzz/hostile.ts';
import { ENTRIES } from './entries.ts';
import { ComputationError, ValidationError } from '../../src/util/errors.ts';

const [entryName, seedText, startText, countText] = process.argv.slice(2);
const entry = ENTRIES.find((e) => e.name === entryName);
if (!entry) throw new Error(`unknown entry ${entryName}`);
const start = Number(startText);
const count = Number(countText);
const arbitrary = hostileInput(entry.base);
const seed = Number(seedText);

// One input at a time, each from its own seed: holding a batch of inputs (some with 10⁶-element arrays)
// exhausted the memory limit before the first call.
for (let i = 0; i < count; i++) {
  const input = fc.sample(arbitrary, { seed: seed * 1_000_003 + start + i, numRuns: 1 })[0];
  let letter: string;
  try {
    const r = entry.call(input) as { toJSON?: () => unknown } | undefined;
    const json = (r?.toJSON ? r.toJSON() : r) as { status?: unknown } | undefined;
    if (json?.status === 'ok' || json?.status === undefined) {
      letter = allFinite(entry.documentedNaN ? entry.documentedNaN(json) : json) ? 'o' : 'x';
      if (letter === 'x') process.stderr.write(`${entry.name} #${start + i}: "ok" result with a non-finite number\n`);
    } else letter = 'f';
  } catch (err) {
    if (err instanceof ValidationError) letter = 'v';
    else if (err instanceof ComputationError) letter = 'c';
    else {
      letter = 'x';
      process.stderr.write(`${entry.name} #${start + i}: ${(err as Error)?.name}: ${String((err as Error)?.message).slice(0, 160)}\n`);
    }
  }
  process.stdout.write(letter);
}
