/**
 * A/B micro-benchmark (not a test) of one method in two checkouts, in one process, alternating: the set and
 * options of run.ts, batches of solves timed in turn (A, B, A, B, …) so that the load of a shared machine
 * falls on both alike; CPU time, not wall time, so that other processes' time is not counted. Prints the best
 * and median µs of CPU per solve of each and their ratio.
 *   node --expose-gc --import tsx bench/integrators/ab.ts <method> <rootA> <rootB> [rounds]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [method = 'dopri5', rootA = '.', rootB = '.', roundsArg = '15'] = process.argv.slice(2);
const load = async (root: string) =>
  (await import(pathToFileURL(`${resolve(root)}/src/integrate/index.ts`).href)).integrators[method] as (p: unknown, o: unknown) => {
    stats: { steps: number };
  };
const a = await load(rootA);
const b = await load(rootB);
const { dln } = await import(pathToFileURL(resolve(import.meta.dirname, '../../spec/integrate/problems.ts')).href);

const problems: unknown[] = [];
for (const S of [0.5, 1, 2, 3.5, 5]) {
  for (const q0 of [0.1, 0.3, 0.6, 1]) problems.push(dln(S, 0.01, q0, 200, 0.01, 0.8 * q0));
}
const opts = { rtol: 1e-8, atol: 1e-10 };
const reps = method === 'odex' ? 4 : method === 'dopri5' || method === 'dop853' ? 10 : 60;
/** CPU time (user + system) of a batch per solve: unlike wall time, not counting the time other processes run. */
const gc = (globalThis as { gc?: () => void }).gc;
function batch(f: typeof a): number {
  // With node --expose-gc: each batch starts from a collected heap, not paying for the other's garbage.
  if (gc) gc();
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) for (const p of problems) f(p, opts);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (reps * problems.length);
}
for (let w = 0; w < 3; w++) {
  batch(a);
  batch(b);
}
const ta: number[] = [];
const tb: number[] = [];
for (let r = 0; r < Number(roundsArg); r++) {
  ta.push(batch(a));
  tb.push(batch(b));
}
ta.sort((x, y) => x - y);
tb.sort((x, y) => x - y);
const med = (v: number[]) => v[v.length >> 1]!;
console.log(
  `${method.padEnd(10)} A best ${ta[0]!.toFixed(1)} med ${med(ta).toFixed(1)} µs | B best ${tb[0]!.toFixed(1)} med ${med(tb).toFixed(1)} µs | B/A best ${(tb[0]! / ta[0]!).toFixed(3)} med ${(med(tb) / med(ta)).toFixed(3)}`,
);
