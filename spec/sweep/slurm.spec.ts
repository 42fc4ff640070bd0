/**
 * Sweeps on SLURM (issue 17, docs/cluster.md) without a cluster: the flags, the batch scripts (run by bash,
 * with paths that need quoting), the sizes from the cost estimate, submission and resubmission against fake
 * sbatch/squeue/scancel on PATH, and the lock's SLURM awareness. .ci/cluster.sh runs the same on a real
 * one-node cluster.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DLN } from '../helpers/cli.ts';
import { estimateShardCost } from '../../src/sweep/slurm-cost.ts';
import {
  arrayRanges,
  formatSlurmTime,
  MIN_MEMORY_MIB,
  MIN_TIME_SECONDS,
  parseCpus,
  parseSlurmMemory,
  parseSlurmTime,
  parseTaskCount,
  planSlurmSweep,
  sbatchOptions,
  shellQuote,
  slurmScripts,
  splitShellWords,
  TIME_SAFETY,
  writeSlurmScripts,
} from '../../src/sweep/slurm.ts';
import { parseSweepSpec } from '../../src/sweep/spec.ts';
import { currentSlurmJob, LOCK, lockSweepDir, SweepStateError } from '../../src/sweep/store.ts';
import { ValidationError } from '../../src/util/errors.ts';

const QUICK_FILE = fileURLToPath(new URL('../../examples/sweep-quick.json', import.meta.url));
const QUICK = JSON.parse(readFileSync(QUICK_FILE, 'utf8')) as Record<string, unknown>;
const root = mkdtempSync(join(tmpdir(), 'dln-slurm-'));
let fresh = 0;
const NO_SLURM_ENV = { SLURM_JOB_ID: undefined, SLURM_ARRAY_JOB_ID: undefined, SLURM_ARRAY_TASK_ID: undefined };
/** For a child's environment: run as if outside any SLURM job, even when the tests themselves run in one. */
const NO_SLURM_ENV_STRINGS = { SLURM_JOB_ID: '', SLURM_ARRAY_JOB_ID: '', SLURM_ARRAY_TASK_ID: '' };
/** A new directory under the test's temporary folder, its name needing shell and #SBATCH quoting. */
const freshDir = (label = 'out'): string => join(root, `${label} ${fresh++} it's "q" $HOME 5%x`);

/** The message of what `f` throws (failing the test if it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

/**
 * Fake sbatch, squeue and scancel in a directory for PATH: each appends its arguments (one a line, then "--") to
 * <tool>.log; sbatch prints the next job id as "id;cluster" (or fails with sbatch.fail's text), squeue prints
 * squeue.out (or fails with squeue.err's text).
 */
function fakeTools(): { bin: string; log(tool: string): string[][]; set(file: string, text: string | undefined): void } {
  const bin = mkdtempSync(join(tmpdir(), 'dln-fake-slurm-'));
  const record = (tool: string): string => `{ for a in "$@"; do printf '%s\\n' "$a"; done; echo --; } >> "${bin}/${tool}.log"\n`;
  const tools: Record<string, string> = {
    sbatch:
      record('sbatch') +
      `n=$(cat "${bin}/next" 2>/dev/null || echo 101); echo $((n + 1)) > "${bin}/next"\n` +
      `if [ -f "${bin}/sbatch.fail" ]; then cat "${bin}/sbatch.fail" >&2; exit 1; fi\necho "$n;dlnci"\n`,
    squeue: record('squeue') + `if [ -f "${bin}/squeue.err" ]; then cat "${bin}/squeue.err" >&2; exit 1; fi\n[ -f "${bin}/squeue.out" ] && cat "${bin}/squeue.out"\nexit 0\n`,
    scancel: record('scancel'),
  };
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}`);
    chmodSync(join(bin, name), 0o755);
  }
  return {
    bin,
    log(tool) {
      const path = join(bin, `${tool}.log`);
      if (!existsSync(path)) return [];
      const calls: string[][] = [[]];
      for (const line of readFileSync(path, 'utf8').split('\n').slice(0, -1)) {
        if (line === '--') calls.push([]);
        else calls[calls.length - 1]!.push(line);
      }
      return calls.slice(0, -1);
    },
    set(file, text) {
      const path = join(bin, file);
      if (text === undefined) spawnSync('rm', ['-f', path]);
      else writeFileSync(path, text);
    },
  };
}

/** `dln ARGS…` with the fake tools first on PATH (or with PATH exactly `path`: no SLURM tools at all). */
function dlnWith(bin: string, args: string[], path = `${bin}:${process.env['PATH'] ?? ''}`): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [DLN, ...args], { encoding: 'utf8', env: { ...process.env, ...NO_SLURM_ENV_STRINGS, PATH: path } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs `f` with environment variables set (undefined: removed), restoring them afterwards. */
function withEnv<T>(vars: Record<string, string | undefined>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  try {
    return f();
  } finally {
    apply(saved);
  }
}

describe('SLURM sweeps (issue 17)', () => {
  describe('flags', () => {
    it('--slurm K takes integers 1 … 10000 only', () => {
      expect(parseTaskCount('1')).to.equal(1);
      expect(parseTaskCount('10000')).to.equal(10000);
      for (const bad of ['0', '10001', '1.5', '2e3', '-3', 'four', '']) {
        expect(thrown(() => parseTaskCount(bad)), bad).to.be.instanceOf(ValidationError);
      }
      expect(thrown(() => parseTaskCount('0')).message).to.equal('--slurm: got "0"; allowed: an integer 1 … 10000 (array tasks, one shard each)');
      expect(parseCpus('8')).to.equal(8);
      expect(thrown(() => parseCpus('0')).message).to.contain('--slurm-cpus: got "0"');
    });

    it('--slurm-time reads every form sbatch --time takes, and writes HH:MM:SS or D-HH:MM:SS', () => {
      const cases: Record<string, number> = {
        '90': 90 * 60,
        '1:30': 90,
        '2:03:04': 2 * 3600 + 3 * 60 + 4,
        '2-0': 2 * 86400,
        '1-2:03': 86400 + 2 * 3600 + 3 * 60,
        '1-02:03:04': 86400 + 2 * 3600 + 3 * 60 + 4,
      };
      for (const [text, seconds] of Object.entries(cases)) expect(parseSlurmTime(text), text).to.equal(seconds);
      for (const bad of ['0', '0:00', '', '1:2:3:4', 'infinite', '366-0', '1h', '-5']) {
        expect(thrown(() => parseSlurmTime(bad)).message, bad).to.match(/^--slurm-time: got .*; allowed: a SLURM time/);
      }
      expect(formatSlurmTime(59)).to.equal('00:00:59');
      expect(formatSlurmTime(300)).to.equal('00:05:00');
      expect(formatSlurmTime(86399)).to.equal('23:59:59');
      expect(formatSlurmTime(86400 + 3661)).to.equal('1-01:01:01');
      // Round trip through sbatch's format: what dln writes, dln (and sbatch) read back as the same time.
      for (const s of [300, 5400, 93784, 40 * 86400]) expect(parseSlurmTime(formatSlurmTime(s))).to.equal(s);
    });

    it('--slurm-mem reads sbatch --mem sizes, in MiB (M without a unit, K rounded up)', () => {
      expect(parseSlurmMemory('4G')).to.equal(4096);
      expect(parseSlurmMemory('1500')).to.equal(1500);
      expect(parseSlurmMemory('1500M')).to.equal(1500);
      expect(parseSlurmMemory('2g')).to.equal(2048);
      expect(parseSlurmMemory('1T')).to.equal(1024 * 1024);
      expect(parseSlurmMemory('1536K')).to.equal(2);
      for (const bad of ['0', '4X', '-1G', '1.5G', 'G', '']) expect(thrown(() => parseSlurmMemory(bad)).message, bad).to.match(/^--slurm-mem: got/);
    });

    it('--sbatch is split as a shell would split it', () => {
      expect(splitShellWords(`-p short  --comment='a b' --x="say \\"hi\\"" a\\ b ''`)).to.deep.equal(['-p', 'short', '--comment=a b', '--x=say "hi"', 'a b', '']);
      expect(thrown(() => splitShellWords(`--comment='open`)).message).to.contain("an unclosed ' quote");
      expect(thrown(() => splitShellWords(`--x=\\`)).message).to.contain('a backslash at the end');
    });

    it('--sbatch becomes one #SBATCH line per option; options dln sets itself are refused, naming the flag to use', () => {
      expect(sbatchOptions('--partition=short -A proj --gres=gpu:1 --comment="two words"')).to.deep.equal([
        '#SBATCH --partition=short',
        '#SBATCH -A proj',
        '#SBATCH --gres=gpu:1',
        '#SBATCH "--comment=two words"',
      ]);
      expect(sbatchOptions(undefined)).to.deep.equal([]);
      const refused: Record<string, string> = {
        '--array=1-3': 'other than --array (the array is 1-K from --slurm K)',
        '-a 1-3': 'other than -a (the array is 1-K from --slurm K)',
        '--time=10': 'use --slurm-time',
        '-t10': 'use --slurm-time',
        '--mem 4G': 'use --slurm-mem',
        '-c 4': 'use --slurm-cpus',
        '--dependency=afterok:1': 'dln makes the merge job depend on the array',
        '-o x.log': 'logs go to DIR/slurm/logs',
        '--wrap=true': 'dln writes the batch scripts',
      };
      for (const [text, hint] of Object.entries(refused)) expect(thrown(() => sbatchOptions(text)).message, text).to.contain(hint);
      expect(thrown(() => sbatchOptions('short')).message).to.contain('sbatch options, each starting with -');
      expect(thrown(() => sbatchOptions('--comment="a\nb"')).message).to.contain('without control characters');
    });

    it('shell quoting survives bash for any path: spaces, quotes, $, %, backslashes, newlines', () => {
      const words = [`plain/path.json`, `a b`, `it's`, `"q"`, `$HOME \`x\``, `5%x`, `back\\slash`, `two\nlines`, ``];
      const run = spawnSync('bash', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
      expect(run.stdout.split('\0').slice(0, -1)).to.deep.equal(words);
      expect(shellQuote('plain/path.json')).to.equal('plain/path.json');
    });

    it('array lists are compressed into ranges', () => {
      expect(arrayRanges([1, 2, 3, 5, 7, 8])).to.equal('1-3,5,7-8');
      expect(arrayRanges([4])).to.equal('4');
    });
  });

  describe('the CLI refuses what cannot mean anything (exit 2, one line naming the flag)', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--slurm', '0'], /option '--slurm <K>' argument '0' is invalid\. got "0"; allowed: an integer 1 … 10000/],
      [['--slurm', '10001'], /argument '10001' is invalid/],
      [['--slurm', 'x'], /argument 'x' is invalid/],
      [['--slurm', '97'], /^dln: --slurm: got 97; allowed: at most the sweep's 96 points/],
      [['--slurm', '2', '--shard', '1/2'], /^dln: --shard: got "1\/2"; allowed: nothing with --slurm K \(array task i runs shard i\/K\)\n$/],
      [['--slurm', '2', '--workers', '2'], /^dln: --workers: got 2; allowed: nothing with --slurm K \(each task runs a thread per CPU: --slurm-cpus n\)\n$/],
      [['--sbatch', '-p short'], /^dln: --sbatch: got "-p short"; allowed: nothing without --slurm K\n$/],
      [['--slurm-script'], /^dln: --slurm-script: got true; allowed: nothing without --slurm K\n$/],
      [['--slurm-time', '10'], /^dln: --slurm-time: got "00:10:00"; allowed: nothing without --slurm K\n$/],
      [['--slurm-mem', '2G'], /^dln: --slurm-mem: got "2048M"; allowed: nothing without --slurm K\n$/],
      [['--slurm', '2', '--slurm-time', '0'], /argument '0' is invalid\. got "0"; allowed: a SLURM time/],
      [['--slurm', '2', '--slurm-mem', 'lots'], /argument 'lots' is invalid/],
      [['--slurm', '2', '--sbatch', '--time=5'], /allowed: sbatch options other than --time \(use --slurm-time\)/],
      [['--slurm', '2', '--sbatch', "--comment='open"], /an unclosed ' quote/],
    ];
    for (const [args, message] of cases) {
      it(args.join(' '), () => {
        const out = freshDir('refused');
        // No SLURM tools on PATH: a refusal must come before any would be called.
        const run = dlnWith('/nonexistent', ['sweep', QUICK_FILE, '--out', out, ...args], '/nonexistent');
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr).to.match(message);
        expect(run.stdout).to.equal('');
        // Refused before anything is written.
        expect(existsSync(out)).to.equal(false);
      });
    }
  });

  describe('batch scripts', () => {
    it('run the sweep command with every path quoted: bash hands a fake node exactly the arguments meant', () => {
      const dir = freshDir();
      const cwd = join(root, `cwd it's $PATH`);
      mkdirSync(cwd, { recursive: true });
      const argsFile = join(root, 'node-args');
      const fakeNode = join(root, `fake node's`);
      // Prints its working directory and arguments, one a line.
      writeFileSync(fakeNode, `#!/bin/sh\n{ pwd; for a in "$@"; do printf '%s\\n' "$a"; done; } > '${argsFile}'\n`);
      chmodSync(fakeNode, 0o755);
      const spec = parseSweepSpec(QUICK);
      const plan = planSlurmSweep(spec, { outDir: dir, tasks: 4, cwd, node: fakeNode, dln: `/opt/it's dln.js`, progress: false, plots: false });
      const paths = writeSlurmScripts(spec, plan);
      const runScript = (path: string, env: Record<string, string>): string[] => {
        const r = spawnSync('bash', [path], { encoding: 'utf8', env: { ...process.env, ...env } });
        expect(r.status, r.stderr).to.equal(0);
        return readFileSync(argsFile, 'utf8').split('\n').slice(0, -1);
      };
      expect(runScript(paths.task, { SLURM_ARRAY_TASK_ID: '3' })).to.deep.equal([
        cwd,
        `/opt/it's dln.js`,
        'sweep',
        join(dir, 'slurm', 'spec.json'),
        '--out',
        join(dir, 'shards', '3'),
        '--shard',
        '3/4',
        '--workers',
        '0',
        '--no-progress',
      ]);
      expect(runScript(paths.merge, {})).to.deep.equal([
        cwd,
        `/opt/it's dln.js`,
        'merge',
        ...[1, 2, 3, 4].map((i) => join(dir, 'shards', String(i))),
        '--out',
        dir,
        '--no-plots',
      ]);
      // Outside an array the task says how to run it instead of running shard "/4".
      const bare = spawnSync('bash', [paths.task], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '' } });
      expect(bare.status).to.not.equal(0);
      expect(bare.stderr).to.contain('run this as an array task (sbatch --array=1-4)');
      // The spec the tasks run is the parsed one, in the output directory: editing the user's file changes nothing.
      expect(parseSweepSpec(JSON.parse(readFileSync(join(dir, 'slurm', 'spec.json'), 'utf8')))).to.deep.equal(spec);
    });

    it('say what to ask sbatch for in #SBATCH lines before any command, the log path quoted with % doubled', () => {
      const dir = freshDir();
      const plan = planSlurmSweep(parseSweepSpec(QUICK), { outDir: dir, tasks: 4, sbatch: '--partition=short --comment="a b"' });
      const { task, merge } = slurmScripts(plan);
      const directives = (text: string): string[] => {
        const lines = text.split('\n');
        const first = lines.findIndex((l) => !l.startsWith('#'));
        // sbatch stops reading #SBATCH lines at the first command: every one must come before it.
        expect(lines.slice(first).some((l) => l.startsWith('#SBATCH'))).to.equal(false);
        return lines.filter((l) => l.startsWith('#SBATCH'));
      };
      const logDir = join(dir, 'slurm', 'logs').replace(/%/g, '%%').replace(/"/g, '\\"');
      expect(directives(task)).to.deep.equal([
        '#SBATCH --job-name=dln-quick',
        '#SBATCH --time=00:05:00',
        '#SBATCH --mem=1024M',
        '#SBATCH --ntasks=1',
        '#SBATCH --cpus-per-task=1',
        `#SBATCH --output="${logDir}/task-%A_%a.out"`,
        '#SBATCH --open-mode=append',
        '#SBATCH --array=1-4',
        '#SBATCH --partition=short',
        '#SBATCH "--comment=a b"',
      ]);
      expect(directives(merge)).to.include(`#SBATCH --output="${logDir}/merge-%j.out"`);
      expect(directives(merge)).to.include('#SBATCH --partition=short');
      expect(directives(merge).some((l) => l.includes('--array'))).to.equal(false);
      // The task is run by this node and this checkout's dln, whatever PATH a compute node has.
      expect(task).to.contain(`exec ${shellQuote(process.execPath)} ${shellQuote(fileURLToPath(new URL('../../bin/dln.js', import.meta.url)))} sweep`);
    });
  });

  describe('sizes from the cost estimate', () => {
    const QUICK_SPEC = parseSweepSpec(QUICK);
    /** A `network` sweep whose points are big: width 1500 at depth 4 holds tens of millions of weights. */
    const BIG = parseSweepSpec({
      name: 'big',
      engine: 'network',
      seeds: 4,
      time: 50,
      fixed: { pathways: 2, width: 1500, target: 3 },
      axes: { depth: [2, 4], sigma: [0.5, 1] },
      measures: ['winnerShare'],
    });

    it('a quick sweep gets the floors: 5 minutes and 1 GiB a task', () => {
      const plan = planSlurmSweep(QUICK_SPEC, { outDir: freshDir(), tasks: 4 });
      expect(plan.task).to.deep.equal({ timeSeconds: MIN_TIME_SECONDS, memoryMiB: MIN_MEMORY_MIB, cpus: 1 });
      expect(plan.merge.timeSeconds).to.equal(MIN_TIME_SECONDS);
      expect(plan.cost.points).to.equal(24);
    });

    it('a costly sweep asks for its estimate times the safety factor, spread over its CPUs; overrides replace the estimate', () => {
      const plan = planSlurmSweep(BIG, { outDir: freshDir(), tasks: 2 });
      const cost = estimateShardCost(BIG, { index: 1, count: 2 });
      expect(cost.modelled).to.equal(true);
      // Beyond the floors, so the estimate decides (else this test would check nothing).
      expect(TIME_SAFETY * cost.seconds).to.be.above(MIN_TIME_SECONDS);
      expect((TIME_SAFETY * cost.peakPointBytes) / 2 ** 20).to.be.above(MIN_MEMORY_MIB);
      expect(plan.task.timeSeconds).to.be.at.least(TIME_SAFETY * cost.seconds);
      // Rounded up to whole minutes, with no more than the start-up allowance on top.
      expect(plan.task.timeSeconds % 60).to.equal(0);
      expect(plan.task.timeSeconds).to.be.at.most(TIME_SAFETY * cost.seconds + 120);
      expect(plan.task.memoryMiB).to.be.at.least((TIME_SAFETY * cost.peakPointBytes) / 2 ** 20);
      expect(plan.task.memoryMiB % 64).to.equal(0);
      // Four CPUs: four worker threads share the points (time ÷ 4), each holding a point (memory × 4).
      const four = planSlurmSweep(BIG, { outDir: freshDir(), tasks: 2, cpus: 4 });
      expect(four.workers).to.equal(4);
      expect(four.task.timeSeconds).to.be.below(plan.task.timeSeconds / 3);
      expect(four.task.memoryMiB).to.be.above(plan.task.memoryMiB * 3);
      // More shards, less each.
      const eight = planSlurmSweep(BIG, { outDir: freshDir(), tasks: 8 });
      expect(eight.cost.seconds).to.be.below(plan.cost.seconds / 3);
      const over = planSlurmSweep(BIG, { outDir: freshDir(), tasks: 2, timeSeconds: 7200, memoryMiB: 3000 });
      expect(over.task).to.deep.equal({ timeSeconds: 7200, memoryMiB: 3000, cpus: 1 });
      expect(slurmScripts(over).task).to.contain('#SBATCH --time=02:00:00\n#SBATCH --mem=3000M\n');
    });

    it('the estimate is additive over points, and the engines with long points get a worker thread even on one CPU', () => {
      const double = parseSweepSpec({ ...QUICK, seeds: 8 });
      expect(estimateShardCost(double, null).seconds).to.be.closeTo(2 * estimateShardCost(QUICK_SPEC, null).seconds, 1e-12);
      expect(planSlurmSweep(QUICK_SPEC, { outDir: freshDir(), tasks: 2 }).workers).to.equal(0);
      expect(planSlurmSweep(BIG, { outDir: freshDir(), tasks: 2 }).workers).to.equal(1);
    });

  });

  describe('submitting (fake sbatch, squeue and scancel on PATH)', () => {
    it('submits the array and an afterok merge, prints the merge id last; a rerun submits only what is missing and replaces the merge', () => {
      const fake = fakeTools();
      const out = freshDir();
      const first = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '4', '--no-progress']);
      expect(first.code, first.stderr).to.equal(0);
      const task = join(out, 'slurm', 'task.sh');
      const merge = join(out, 'slurm', 'merge.sh');
      // sbatch --parsable printed "101;dlnci": the id is the part before the cluster's name.
      expect(fake.log('sbatch')).to.deep.equal([
        ['--parsable', '--array=1-4', task],
        ['--parsable', '--dependency=afterok:101', merge],
      ]);
      expect(first.stdout.trimEnd().split('\n').pop()).to.equal('102');
      expect(first.stdout).to.contain('submitted job array 101 (tasks 1-4)');
      // Nothing was submitted before: nothing to ask squeue about.
      expect(fake.log('squeue')).to.deep.equal([]);

      // Shard 1 finished; the tasks of shards 3 and 4 are still queued; shard 2's task is gone (cancelled).
      const runShard = (i: number): void => {
        const r = spawnSync('bash', [task], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: String(i) } });
        expect(r.status, r.stderr).to.equal(0);
      };
      runShard(1);
      fake.set('squeue.out', '101_3|RUNNING\n101_4|PENDING\n102|PENDING\n');
      const second = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '4', '--no-progress']);
      expect(second.code, second.stderr).to.equal(0);
      expect(fake.log('squeue')).to.deep.equal([['--noheader', '--array', '--format=%i|%T', '--jobs=101,102']]);
      expect(fake.log('scancel')).to.deep.equal([['102']]);
      expect(fake.log('sbatch').slice(2)).to.deep.equal([
        ['--parsable', '--array=2', task],
        ['--parsable', '--dependency=afterok:103:101_3:101_4', merge],
      ]);
      const lines = second.stdout.trimEnd().split('\n');
      expect(lines.pop()).to.equal('104');
      expect(second.stdout).to.contain('1 of 4 shards already complete: 1');
      expect(second.stdout).to.contain('still queued from an earlier submission: 101_3 101_4');
      expect(second.stdout).to.contain('cancelled the earlier merge job(s) 102');

      // Everything finished, nothing queued: a rerun submits just the merge, waiting for nothing.
      for (const i of [2, 3, 4]) runShard(i);
      fake.set('squeue.out', undefined);
      // squeue fails for a single id the controller has forgotten: that is "not queued", not an error.
      fake.set('squeue.err', 'slurm_load_jobs error: Invalid job id specified\n');
      const third = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '4', '--no-progress']);
      expect(third.code, third.stderr).to.equal(0);
      expect(fake.log('sbatch').slice(4)).to.deep.equal([['--parsable', merge]]);
      expect(third.stdout).to.contain('4 of 4 shards already complete: 1-4');
      expect(third.stdout.trimEnd().split('\n').pop()).to.equal('105');
      const record = JSON.parse(readFileSync(join(out, 'slurm', 'submissions.json'), 'utf8')) as { submissions: Array<{ array: string | null; merge: string; shards: number[]; after: string[] }> };
      expect(record.submissions.map((s) => [s.array, s.shards, s.after, s.merge])).to.deep.equal([
        ['101', [1, 2, 3, 4], [], '102'],
        ['103', [2], ['101_3', '101_4'], '104'],
        [null, [], [], '105'],
      ]);

      // The merge script, run as the merge job would: what a whole run writes, byte for byte, plots included.
      const m = spawnSync('bash', [merge], { encoding: 'utf8' });
      expect(m.status, m.stderr).to.equal(0);
      const whole = freshDir('whole');
      const w = spawnSync(process.execPath, [DLN, 'sweep', QUICK_FILE, '--out', whole, '--no-progress'], { encoding: 'utf8' });
      expect(w.status, w.stderr).to.equal(0);
      const files = readdirSync(whole).sort();
      expect(files).to.include.members(['results.csv', 'results.json', 'points.jsonl', 'sweep.json', 'winnerShare-depth-sigma.png']);
      for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(whole, f))), f).to.equal(true);
    });

    it('a shard whose lock names a running SLURM job (a task submitted by hand) is waited for, not submitted again', () => {
      const fake = fakeTools();
      const out = freshDir();
      const script = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '4', '--slurm-script']);
      expect(script.code, script.stderr).to.equal(0);
      // Shard 3 is being run by job 88 on another node (sbatch --array=3 task.sh by hand); squeue knows it.
      mkdirSync(join(out, 'shards', '3'), { recursive: true });
      writeFileSync(join(out, 'shards', '3', LOCK), JSON.stringify({ pid: 7, host: 'node3.invalid', started: 'then', slurmJob: '88' }) + '\n');
      fake.set('squeue.out', '88|RUNNING\n');
      const run = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '4']);
      expect(run.code, run.stderr).to.equal(0);
      expect(fake.log('squeue')).to.deep.equal([['--noheader', '--array', '--format=%i|%T', '--jobs=88']]);
      expect(fake.log('sbatch').map((call) => call.slice(0, 2))).to.deep.equal([
        ['--parsable', '--array=1-2,4'],
        ['--parsable', '--dependency=afterok:101:88'],
      ]);
      // Once that job has ended (squeue no longer lists it), a rerun submits the shard.
      fake.set('squeue.out', undefined);
      expect(dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '4']).code).to.equal(0);
      expect(fake.log('sbatch')[2]!.slice(0, 2)).to.deep.equal(['--parsable', '--array=1-4']);
    });

    it('--slurm-script writes the scripts and submits nothing; sbatch failures and a missing sbatch exit 1 saying why', () => {
      const fake = fakeTools();
      const out = freshDir();
      const script = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '2', '--slurm-script', '--slurm-time', '1:00:00', '--slurm-mem', '2G', '--slurm-cpus', '2']);
      expect(script.code, script.stderr).to.equal(0);
      expect(fake.log('sbatch')).to.deep.equal([]);
      const task = readFileSync(join(out, 'slurm', 'task.sh'), 'utf8');
      expect(task).to.contain('#SBATCH --time=01:00:00\n#SBATCH --mem=2048M\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=2\n');
      expect(task).to.contain('--workers 2\n');
      expect(script.stdout).to.contain(`sbatch --parsable ${shellQuote(join(out, 'slurm', 'task.sh'))}`);

      fake.set('sbatch.fail', 'sbatch: error: invalid partition specified: nope');
      const failed = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', freshDir(), '--slurm', '2', '--sbatch', '--partition=nope']);
      expect(failed.code).to.equal(1);
      expect(failed.stderr).to.match(/^dln: sweep failed: sbatch --parsable --array=1-2 .*task\.sh exited with 1: sbatch: error: invalid partition specified: nope\n$/);

      const none = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', freshDir(), '--slurm', '2'], '/nonexistent');
      expect(none.code).to.equal(1);
      expect(none.stderr).to.contain('sbatch not found on PATH');
    });

    it('refuses an output directory of another sweep, or of this one in another number of shards', () => {
      const fake = fakeTools();
      const out = freshDir();
      expect(dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '4']).code).to.equal(0);
      const other = dlnWith(fake.bin, ['sweep', QUICK_FILE, '--out', out, '--slurm', '3']);
      expect(other.code).to.equal(2);
      expect(other.stderr).to.equal(`dln: ${out} holds a SLURM run in 4 shards, not 3; rerun with --slurm 4, or use another --out\n`);
      const specFile = join(root, 'other-spec.json');
      writeFileSync(specFile, JSON.stringify({ ...QUICK, seed: 2 }));
      const different = dlnWith(fake.bin, ['sweep', specFile, '--out', out, '--slurm', '4']);
      expect(different.code).to.equal(2);
      expect(different.stderr).to.contain('holds a SLURM run of a different sweep');
      expect(fake.log('sbatch')).to.have.length(2);
    });
  });

  describe('the lock knows SLURM jobs', () => {
    const fake = fakeTools();
    const withFakeSqueue = <T>(f: () => T, extra: Record<string, string | undefined> = {}): T =>
      withEnv({ ...NO_SLURM_ENV, PATH: `${fake.bin}:${process.env['PATH'] ?? ''}`, ...extra }, f);
    const lockedBy = (owner: Record<string, unknown>): string => {
      const dir = freshDir('lock');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, LOCK), JSON.stringify(owner) + '\n');
      return dir;
    };

    it('a lock of a SLURM job on another host: refused while squeue says it runs, taken over once it does not', () => {
      const owner = { pid: 4242, host: 'node7.invalid', started: 'then', slurmJob: '55_2' };
      const dir = lockedBy(owner);
      fake.set('squeue.err', undefined);
      fake.set('squeue.out', 'RUNNING\n');
      const err = thrown(() => withFakeSqueue(() => lockSweepDir(dir, () => {})));
      expect(err).to.be.instanceOf(SweepStateError);
      expect(err.message).to.equal(`${dir} is in use by SLURM job 55_2 (pid 4242 on host node7.invalid, since then); wait for it to end, or use another --out`);
      expect(fake.log('squeue').at(-1)).to.deep.equal(['--noheader', '--format=%T', '--jobs=55_2']);
      // Requeued and waiting is not running: its processes were ended.
      fake.set('squeue.out', 'PENDING\n');
      const notices: string[] = [];
      const lock = withFakeSqueue(() => lockSweepDir(dir, (m) => notices.push(m)));
      expect(notices).to.deep.equal([`${dir} was locked by SLURM job 55_2 (pid 4242 on host node7.invalid, since then), which is no longer running: taking the lock over`]);
      lock.release();
      // Purged from the controller: squeue fails with "Invalid job id" for a single id.
      const purged = lockedBy(owner);
      fake.set('squeue.out', undefined);
      fake.set('squeue.err', 'slurm_load_jobs error: Invalid job id specified\n');
      withFakeSqueue(() => lockSweepDir(purged, () => {})).release();
      // squeue fails otherwise (controller down), or is not installed: as before, refused with the file to remove.
      fake.set('squeue.err', 'slurm_load_jobs error: Unable to contact slurm controller\n');
      const down = lockedBy(owner);
      expect(thrown(() => withFakeSqueue(() => lockSweepDir(down, () => {}))).message).to.equal(
        `${down} is locked by pid 4242 on host node7.invalid (since then); if no run is going on there, remove ${join(down, LOCK)}`,
      );
      expect(thrown(() => withEnv({ ...NO_SLURM_ENV, PATH: '/nonexistent' }, () => lockSweepDir(down, () => {}))).message).to.contain('is locked by pid 4242 on host node7.invalid');
    });

    it('a job requeued onto another node takes over its own earlier lock without asking squeue; the lock names the job', () => {
      const dir = lockedBy({ pid: 4242, host: 'node7.invalid', started: 'then', slurmJob: '55_2' });
      fake.set('squeue.err', undefined);
      // squeue would say "running" — about this very job.
      fake.set('squeue.out', 'RUNNING\n');
      const calls = fake.log('squeue').length;
      const lock = withFakeSqueue(() => lockSweepDir(dir, () => {}), { SLURM_ARRAY_JOB_ID: '55', SLURM_ARRAY_TASK_ID: '2', SLURM_JOB_ID: '57' });
      expect(fake.log('squeue')).to.have.length(calls);
      const written = JSON.parse(readFileSync(join(dir, LOCK), 'utf8')) as Record<string, unknown>;
      expect(written).to.include({ pid: process.pid, host: hostname(), slurmJob: '55_2' });
      lock.release();
      expect(withEnv({ SLURM_JOB_ID: '812', SLURM_ARRAY_JOB_ID: undefined, SLURM_ARRAY_TASK_ID: undefined }, () => currentSlurmJob())).to.equal('812');
      expect(withEnv({ SLURM_JOB_ID: '$(rm -rf x)', SLURM_ARRAY_JOB_ID: undefined }, () => currentSlurmJob())).to.equal(undefined);
    });

    it('same host: a live pid whose SLURM job has ended is a reused pid (taken over); outside SLURM nothing changes', () => {
      // The parent of this process is alive, and not this process: a live pid that is not ours.
      const owner = { pid: process.ppid, host: hostname(), started: 'then', slurmJob: '60' };
      const dir = lockedBy(owner);
      fake.set('squeue.err', undefined);
      fake.set('squeue.out', 'RUNNING\n');
      expect(thrown(() => withFakeSqueue(() => lockSweepDir(dir, () => {}))).message).to.contain(`is in use by another dln run (pid ${process.ppid}`);
      fake.set('squeue.out', 'COMPLETED\n');
      withFakeSqueue(() => lockSweepDir(dir, () => {})).release();
      // A lock without a job (not under SLURM) is checked by its pid alone, and squeue is never asked.
      const calls = fake.log('squeue').length;
      const plain = lockedBy({ pid: process.ppid, host: hostname(), started: 'then' });
      expect(thrown(() => withFakeSqueue(() => lockSweepDir(plain, () => {}))).message).to.contain('is in use by another dln run');
      expect(fake.log('squeue')).to.have.length(calls);
      // … and writes the lock it always wrote: pid, host, start.
      const free = freshDir('lock');
      mkdirSync(free, { recursive: true });
      const lock = withFakeSqueue(() => lockSweepDir(free, () => {}));
      expect(Object.keys(JSON.parse(readFileSync(join(free, LOCK), 'utf8')) as object)).to.deep.equal(['pid', 'host', 'started']);
      lock.release();
    });
  });
});
