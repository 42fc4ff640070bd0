/**
 * The long fuzz run (issue 13): ≥ 10⁴ hostile inputs per entry point (spec/fuzz/hostile.ts), in batches, each
 * batch a child process with a memory limit (--max-old-space-size) and a time limit. Counts per outcome:
 * returned ok / returned failed / ValidationError / ComputationError / other error / crash / timeout. After a
 * crash or timeout the batch resumes after the input that caused it.
 *   npx tsx bench/fuzz/run.ts [count = 10000] [--batch 2000] [--seed 13] [--timeout-ms 60000] [--memory-mb 512]
 *   npx tsx bench/fuzz/run.ts --cli [count = 200]   the dln CLI on JSON-serialisable inputs: exit codes 0/1/2 only
 *   npx tsx bench/fuzz/run.ts 10000 --only 'simulate (gln),solveGated (fa)'   named entries only (comma-separated)
 * Exit status 1 if any input ended outside {ok, failed, ValidationError, ComputationError} (or, with --cli,
 * outside exit codes 0, 1, 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { hostileInput } from '../../spec/fuzz/hostile.ts';
import { ENTRIES } from './entries.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const cli = args.includes('--cli');
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--') && args[i - 1] !== '--cli'));
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').map((s) => s.trim()) : null;
if (only) {
  const unknown = only.filter((name) => !ENTRIES.some((e) => e.name === name));
  if (unknown.length > 0 || only.length === 0) {
    console.error(`--only: unknown entry ${JSON.stringify(unknown)}; known: ${ENTRIES.map((e) => e.name).join(', ')}`);
    process.exit(2);
  }
}
const selected = ENTRIES.filter((e) => only === null || only.includes(e.name));
const count = Number(positional[0] ?? (cli ? 200 : 10_000));
const batch = flag('--batch', 2000);
const seed = flag('--seed', 13);
const timeoutMs = flag('--timeout-ms', 60_000);
const memoryMb = flag('--memory-mb', 512);
const worker = new URL('./worker.ts', import.meta.url).pathname;
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;

const OUTCOMES = { o: 'ok', f: 'failed', v: 'ValidationError', c: 'ComputationError', x: 'other error' } as const;
let bad = 0;

function runEntry(name: string): void {
  const counts: Record<string, number> = { ok: 0, failed: 0, ValidationError: 0, ComputationError: 0, 'other error': 0, crash: 0, timeout: 0 };
  const t0 = Date.now();
  let start = 0;
  while (start < count) {
    const n = Math.min(batch, count - start);
    const r = spawnSync(process.execPath, [`--max-old-space-size=${memoryMb}`, '--import', 'tsx', worker, name, String(seed), String(start), String(n)], {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    const letters = r.stdout ?? '';
    for (const l of letters) counts[OUTCOMES[l as keyof typeof OUTCOMES]]! += 1;
    if (r.stderr) process.stderr.write(r.stderr.split('\n').slice(0, 5).join('\n') + '\n');
    if (letters.length < n) {
      // The input after the last letter crashed the process or ran out of time: count it, resume after it.
      const timedOut = r.error !== undefined || r.signal === 'SIGTERM';
      counts[timedOut ? 'timeout' : 'crash']! += 1;
      process.stderr.write(`${name} #${start + letters.length}: ${timedOut ? 'timeout' : `crash (status ${r.status}, ${r.signal})`}\n`);
      start += letters.length + 1;
    } else start += n;
  }
  bad += counts['other error']! + counts['crash']! + counts['timeout']!;
  const cells = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(' · ');
  console.log(`${name.padEnd(22)} ${cells} · ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function runCli(): void {
  const dir = mkdtempSync(join(tmpdir(), 'dln-fuzz-'));
  try {
    for (const entry of selected.filter((e) => e.cli)) {
      const codes = new Map<string, number>();
      const arbitrary = hostileInput(entry.base);
      let ran = 0;
      for (let k = 0; k < count * 3 && ran < count; k++) {
        const input = fc.sample(arbitrary, { seed: seed * 1_000_003 + k, numRuns: 1 })[0];
        let text: string | undefined;
        try {
          text = JSON.stringify(input);
        } catch {
          continue; // Proxies, BigInt: not JSON, no file can hold them
        }
        if (text === undefined) continue;
        const file = join(dir, `${ran}.json`);
        writeFileSync(file, text);
        const args = [entry.cli!, file];
        const r = spawnSync(process.execPath, [`--max-old-space-size=${memoryMb}`, '--import', 'tsx', main, ...args], {
          encoding: 'utf8',
          timeout: timeoutMs,
          maxBuffer: 64 * 1024 * 1024,
        });
        const code = r.error !== undefined || r.signal ? `timeout/${r.signal}` : String(r.status);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (!['0', '1', '2'].includes(code)) {
          bad++;
          process.stderr.write(`dln ${entry.cli} ${text.slice(0, 200)}: exit ${code}: ${r.stderr.slice(0, 200)}\n`);
        }
        ran++;
      }
      const cells = [...codes].sort().map(([k, v]) => `exit ${k}: ${v}`).join(' · ');
      console.log(`dln ${entry.cli!.padEnd(10)} ${ran} inputs · ${cells}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`seed ${seed}, ${count} inputs per entry point${cli ? ' (CLI)' : `, batches of ${batch}, ${memoryMb} MB, ${timeoutMs} ms`}`);
if (cli) runCli();
else for (const e of selected) runEntry(e.name);
process.exitCode = bad > 0 ? 1 : 0;
