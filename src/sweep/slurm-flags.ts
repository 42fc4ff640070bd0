/**
 * The flags of `dln sweep --slurm` (docs/cluster.md) and the text they become in batch scripts: parsers that
 * throw a ValidationError naming the flag, sbatch's time format, shell and #SBATCH quoting. Kept apart from
 * src/sweep/slurm.ts so that the CLI can check flags without loading the sweep and its cost models.
 */
import { ValidationError } from '../util/errors.ts';

/** The most array tasks `--slurm` takes (clusters cap arrays lower: MaxArraySize, 1001 by default). */
export const MAX_ARRAY_TASKS = 10000;

/** `--slurm K`: the number of array tasks (shards). */
export function parseTaskCount(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_ARRAY_TASKS)) {
    throw new ValidationError('--slurm', text, `an integer 1 … ${MAX_ARRAY_TASKS} (array tasks, one shard each)`);
  }
  return n;
}

/** `--slurm-cpus n`: CPUs per task, each running a worker thread. */
export function parseCpus(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= 1024)) throw new ValidationError('--slurm-cpus', text, 'an integer 1 … 1024 (CPUs per task)');
  return n;
}

const TIME_ALLOWED = 'a SLURM time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS, more than 0 and at most 365 days';

/** `--slurm-time`: a time in one of sbatch's forms, in seconds. */
export function parseSlurmTime(text: string): number {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(text);
  let seconds = NaN;
  if (m !== null) {
    const [days, a, b, c] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? undefined : Number(x)));
    if (days === undefined) {
      // minutes | minutes:seconds | hours:minutes:seconds
      if (b === undefined) seconds = a! * 60;
      else if (c === undefined) seconds = a! * 60 + b;
      else seconds = a! * 3600 + b * 60 + c;
    } else {
      // days-hours | days-hours:minutes | days-hours:minutes:seconds
      seconds = days * 86400 + a! * 3600 + (b ?? 0) * 60 + (c ?? 0);
    }
  }
  if (!(seconds > 0 && seconds <= 365 * 86400)) throw new ValidationError('--slurm-time', text, TIME_ALLOWED);
  return seconds;
}

/** Seconds as sbatch's `--time` takes them: HH:MM:SS, or D-HH:MM:SS from a day on. */
export function formatSlurmTime(seconds: number): string {
  const s = Math.ceil(seconds);
  const days = Math.floor(s / 86400);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hms = `${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days > 0 ? `${days}-${hms}` : hms;
}

/** An estimate of seconds for people: two significant digits below 10 s, whole seconds above. */
export function describeSeconds(seconds: number): string {
  return `${seconds < 10 ? seconds.toPrecision(2) : Math.round(seconds)} s`;
}

/** `--slurm-mem`: an amount as sbatch's `--mem` takes it (K, M, G or T; M without a unit), in MiB. */
export function parseSlurmMemory(text: string): number {
  const m = /^(\d+)([KMGT]?)B?$/i.exec(text);
  const unit = m?.[2]?.toUpperCase() ?? '';
  const factor = { K: 1 / 1024, '': 1, M: 1, G: 1024, T: 1024 * 1024 }[unit];
  const mib = m === null || factor === undefined ? NaN : Math.ceil(Number(m[1]) * factor);
  if (!(mib >= 1 && mib <= 64 * 1024 * 1024)) {
    throw new ValidationError('--slurm-mem', text, 'a memory size per task as sbatch --mem takes it: an integer with K, M, G or T (M without), e.g. 4G or 1500M');
  }
  return mib;
}

/** Splits text into words as a POSIX shell would: blanks separate, '…' and "…" quote, a backslash escapes. */
export function splitShellWords(text: string, field = '--sbatch'): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i]!;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 === text.length) throw new ValidationError(field, text, 'options as a shell would split them (a backslash at the end escapes nothing)');
      word += text[++i]!;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new ValidationError(field, text, `options as a shell would split them (an unclosed ${quote} quote)`);
  if (inWord) words.push(word);
  return words;
}

/** sbatch options that dln sets itself, and where the user says what they want instead. */
const RESERVED: ReadonlyArray<{ readonly long: string; readonly short?: string; readonly instead: string }> = [
  { long: 'array', short: 'a', instead: 'the array is 1-K from --slurm K' },
  { long: 'dependency', short: 'd', instead: 'dln makes the merge job depend on the array (afterok)' },
  { long: 'time', short: 't', instead: 'use --slurm-time' },
  { long: 'mem', instead: 'use --slurm-mem' },
  { long: 'mem-per-cpu', instead: 'use --slurm-mem (memory per task)' },
  { long: 'cpus-per-task', short: 'c', instead: 'use --slurm-cpus' },
  { long: 'output', short: 'o', instead: 'logs go to DIR/slurm/logs' },
  { long: 'error', short: 'e', instead: 'logs go to DIR/slurm/logs' },
  { long: 'parsable', instead: 'dln reads the job ids itself' },
  { long: 'wrap', instead: 'dln writes the batch scripts' },
  { long: 'wait', short: 'W', instead: 'the merge job waits for the array; sbatch must return' },
];

/**
 * The `--sbatch` text as `#SBATCH` lines: an option and its values a line, quoted as sbatch reads them.
 * Refused: what dln sets itself, words that are no option, control characters (a newline would end the line
 * and put the rest into the script as a command).
 */
export function sbatchOptions(text: string | undefined): string[] {
  if (text === undefined) return [];
  const words = splitShellWords(text);
  const groups: string[][] = [];
  for (const w of words) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(w)) throw new ValidationError('--sbatch', text, 'sbatch options without control characters (newlines, tabs inside a value)');
    if (w.startsWith('-') && w.length > 1) {
      const long = w.startsWith('--') ? w.slice(2).split('=')[0]! : undefined;
      const reserved = RESERVED.find((r) => (long !== undefined ? r.long === long : r.short === w[1]));
      if (reserved !== undefined) {
        throw new ValidationError('--sbatch', text, `sbatch options other than ${long !== undefined ? `--${long}` : `-${w[1]}`} (${reserved.instead})`);
      }
      groups.push([w]);
    } else if (groups.length === 0) {
      throw new ValidationError('--sbatch', text, 'sbatch options, each starting with - (e.g. "--partition=short --account=abc")');
    } else {
      groups[groups.length - 1]!.push(w);
    }
  }
  return groups.map((g) => `#SBATCH ${g.map(sbatchQuote).join(' ')}`);
}

/** A word of an `#SBATCH` line: sbatch splits those lines itself, honouring double quotes and backslashes. */
export function sbatchQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/["\\]/g, '\\$&')}"`;
}

/** A word for bash, single-quoted unless plainly safe ('\'' closes, adds a quote, reopens). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** 1,2,3,5,7,8 → "1-3,5,7-8", as sbatch --array takes a list. */
export function arrayRanges(indices: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
