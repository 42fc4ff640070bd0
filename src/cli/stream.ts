/**
 * Writing long results to stdout as they are read, a chunk per output time, so that a command's memory does
 * not grow with the text of its output (issue 13): the whole JSON text of 10⁶ output times is tens of MB on
 * top of the nested arrays that JSON.stringify needs. The bytes are those of JSON.stringify (and of
 * src/cli/format.ts's CSV): spec/cli/stream.spec.ts compares them.
 */

/** What writeChunks needs of a stream: process.stdout, or a fake in the tests. */
export interface ChunkSink {
  /** false: the stream's buffer is full; write again after 'drain'. */
  write(chunk: string): boolean;
  once(event: 'drain' | 'error' | 'close', listener: (err?: unknown) => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: (err?: unknown) => void): unknown;
}

export interface WriteOptions {
  /**
   * Chunks are joined up to about this many characters before a write: one write per output time costs a
   * call through the stream machinery per row, and 64 KB is the pipe's buffer on Linux.
   */
  readonly batchChars?: number;
}

/**
 * Writes the chunks in order, waiting for 'drain' whenever the stream says its buffer is full, so that at most
 * one batch waits in the stream's buffer beyond its high-water mark. Rejects if the stream errs or closes while
 * a write waits (a closed pipe: src/cli/main.ts exits quietly on EPIPE before this rejection is seen).
 */
export async function writeChunks(sink: ChunkSink, chunks: Iterable<string>, options: WriteOptions = {}): Promise<void> {
  const batchChars = options.batchChars ?? 1 << 16;
  let batch = '';
  for (const chunk of chunks) {
    batch += chunk;
    if (batch.length >= batchChars) {
      const full = !sink.write(batch);
      batch = '';
      if (full) await drained(sink);
    }
  }
  if (batch.length > 0 && !sink.write(batch)) await drained(sink);
}

function drained(sink: ChunkSink): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => {
      sink.off('drain', onDrain);
      sink.off('error', onError);
      sink.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onDrain = (): void => done();
    const onError = (err?: unknown): void => done(err ?? new Error('output stream error'));
    const onClose = (): void => done(new Error('output stream closed before the output was written'));
    sink.once('drain', onDrain);
    sink.once('error', onError);
    sink.once('close', onClose);
  });
}

/** A number as JSON.stringify writes it: -0 as 0 (as String does), NaN and ±Infinity as null. */
export function jsonNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

/** One field of a JSON object: a value written whole, or a long array written element by element. */
export type JsonField =
  | { readonly key: string; readonly value: unknown }
  | { readonly key: string; readonly length: number; readonly element: (i: number) => string };

/**
 * The chunks of JSON.stringify({ [key]: … }) + '\n' for the fields in order: an array field's elements are a
 * chunk each (the element text as JSON.stringify writes it), other fields one chunk. Fields whose value
 * JSON.stringify leaves out (undefined, functions, symbols) are left out.
 */
export function* jsonObjectChunks(fields: Iterable<JsonField>): Generator<string> {
  let sep = '{';
  for (const field of fields) {
    if ('element' in field) {
      yield `${sep}${JSON.stringify(field.key)}:[`;
      for (let i = 0; i < field.length; i++) yield i === 0 ? field.element(i) : ',' + field.element(i);
      yield ']';
    } else {
      const text = JSON.stringify(field.value) as string | undefined;
      if (text === undefined) continue;
      yield `${sep}${JSON.stringify(field.key)}:${text}`;
    }
    sep = ',';
  }
  yield sep === '{' ? '{}\n' : '}\n';
}

/**
 * The fields of a plain object as JSON.stringify walks them (own enumerable keys in order), with the arrays
 * under `streamed` written element by element: JSON.stringify(jsonFields(o, keys)) text equals
 * JSON.stringify(o).
 */
export function jsonFields(obj: object, streamed: readonly string[]): JsonField[] {
  return Object.entries(obj).map(([key, value]): JsonField => {
    if (!streamed.includes(key) || !Array.isArray(value)) return { key, value };
    const items: readonly unknown[] = value;
    // An element JSON.stringify cannot write (undefined, a function) is null inside an array.
    return { key, length: items.length, element: (i) => (JSON.stringify(items[i]) as string | undefined) ?? 'null' };
  });
}

/**
 * A result's rows read in place: output time i, its strengths K[i][a][α] and its loss, from flat columns or
 * nested arrays alike, so that writing them builds no second copy.
 */
export interface StrengthRows {
  readonly length: number;
  time(i: number): number;
  loss(i: number): number;
  /** Pathways at time i. */
  pathways(i: number): number;
  /** Modes of pathway a at time i. */
  modes(i: number, a: number): number;
  strength(i: number, a: number, m: number): number;
}

/** Rows of a result that holds nested arrays (`strengths[i][a][α]`). */
export function nestedRows(result: {
  readonly times: readonly number[];
  readonly strengths: readonly (readonly (readonly number[])[])[];
  readonly loss: readonly number[];
}): StrengthRows {
  const { times, strengths, loss } = result;
  return {
    length: times.length,
    time: (i) => times[i]!,
    loss: (i) => loss[i]!,
    pathways: (i) => strengths[i]!.length,
    modes: (i, a) => strengths[i]![a]!.length,
    strength: (i, a, m) => strengths[i]![a]![m]!,
  };
}

/** strengths[i] as JSON.stringify writes it, e.g. [[0.1,0],[0.05,0]]. */
export function strengthsJson(rows: StrengthRows, i: number): string {
  let text = '[';
  const M = rows.pathways(i);
  for (let a = 0; a < M; a++) {
    text += a === 0 ? '[' : ',[';
    const K = rows.modes(i, a);
    for (let m = 0; m < K; m++) text += (m === 0 ? '' : ',') + jsonNumber(rows.strength(i, a, m));
    text += ']';
  }
  return text + ']';
}

/** The times, strengths and loss fields of a result, a chunk per output time each. */
export function rowFields(rows: StrengthRows): JsonField[] {
  return [
    { key: 'times', length: rows.length, element: (i) => jsonNumber(rows.time(i)) },
    { key: 'strengths', length: rows.length, element: (i) => strengthsJson(rows, i) },
    { key: 'loss', length: rows.length, element: (i) => jsonNumber(rows.loss(i)) },
  ];
}
