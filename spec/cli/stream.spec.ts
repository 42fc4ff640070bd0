/**
 * Streamed output (src/cli/stream.ts): the bytes are JSON.stringify's and the old whole-string CSV's, written
 * a chunk per output time, with the stream's backpressure honoured.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { solveReduced } from '../../src/reduced/solve.ts';
import { solveOutput, solutionRows, type SolveOutput } from '../../src/cli/commands/solve.ts';
import { strengthsCsv } from '../../src/cli/format.ts';
import { jsonFields, jsonObjectChunks, writeChunks, type ChunkSink } from '../../src/cli/stream.ts';
import { DLN, dln, jsonFiles } from '../helpers/cli.ts';

const SEED = 20261203;
const files = jsonFiles('dln-stream-');

// Doubles of every kind JSON and CSV write differently: -0 (JSON and CSV both "0"), the extremes of the
// exponent (1e-300 → "1e-300"), subnormals, integers; ±Infinity is null in JSON and "Infinity" in CSV.
const number = fc.oneof(
  fc.constantFrom(-0, 0, 1e-300, -1e-300, 1e300, 5e-324, 1, -1, 0.1, 1 / 3, Number.MAX_VALUE, Infinity, -Infinity),
  fc.double({ noNaN: true }),
);

/** A result of `dln solve`'s shape: T times, M pathways, K modes; failed ones with a message. */
const solveResult = fc
  .record({ T: fc.integer({ min: 0, max: 12 }), M: fc.integer({ min: 0, max: 3 }), K: fc.integer({ min: 0, max: 3 }) })
  .chain(({ T, M, K }) =>
    fc.record({
      status: fc.constantFrom('ok' as const, 'failed' as const),
      message: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
      times: fc.array(number, { minLength: T, maxLength: T }),
      strengths: fc.array(fc.array(fc.array(number, { minLength: K, maxLength: K }), { minLength: M, maxLength: M }), {
        minLength: T,
        maxLength: T,
      }),
      loss: fc.array(number, { minLength: T, maxLength: T }),
      stats: fc.record({ steps: fc.nat(), rejectedSteps: fc.nat(), rhsEvaluations: fc.nat(), jacobianEvaluations: fc.nat() }),
      learningTimes: fc.option(fc.array(fc.option(number, { nil: null }), { maxLength: K }), { nil: undefined }),
    }),
  );

type Result = SolveOutput;

/** What the command printed before streaming: JSON.stringify of toJSON()'s key order, plus learningTimes. */
function oldJson(r: Result, withLearningTimes: boolean): string {
  const result = { status: r.status, ...(r.message === undefined ? {} : { message: r.message }), times: r.times, strengths: r.strengths, loss: r.loss, stats: r.stats };
  return JSON.stringify(withLearningTimes ? { ...result, learningTimes: r.learningTimes } : result) + '\n';
}

/** The same numbers behind a `rows()` reader over flat columns, as a solver's result carries them. */
function withColumns(r: Result): Result {
  const T = r.times.length;
  const M = T > 0 ? r.strengths[0]!.length : 0;
  const K = M > 0 ? r.strengths[0]![0]!.length : 0;
  const times = Float64Array.from(r.times);
  const k = Float64Array.from(r.strengths.flat(2));
  const loss = Float64Array.from(r.loss);
  const rows = () => ({
    length: T,
    pathways: M,
    modes: K,
    time: (i: number) => times[i]!,
    loss: (i: number) => loss[i]!,
    strength: (i: number, a: number, m: number) => k[(i * M + a) * K + m]!,
  });
  return Object.assign(Object.create(r) as Result, { rows });
}

const text = (chunks: Iterable<string>): string => Array.from(chunks).join('');

/** A sink that collects what is written and says its buffer is full after every write. */
class SlowSink extends EventEmitter implements ChunkSink {
  readonly written: string[] = [];
  pending = 0;
  maxPending = 0;
  writesWhileFull = 0;
  constructor(private readonly drainAfterMs: number) {
    super();
  }
  write(chunk: string): boolean {
    if (this.pending > 0) this.writesWhileFull++;
    this.written.push(chunk);
    this.pending++;
    this.maxPending = Math.max(this.maxPending, this.pending);
    setTimeout(() => {
      this.pending = 0;
      this.emit('drain');
    }, this.drainAfterMs);
    return false;
  }
}

describe('streamed output (src/cli/stream.ts)', () => {
  describe('bytes equal the whole-string formatters (property)', () => {
    it('dln solve JSON, with and without learningTimes, from nested arrays and from flat columns', () => {
      fc.assert(
        fc.property(solveResult, fc.boolean(), (r, lt) => {
          const expected = oldJson(r, lt);
          expect(text(solveOutput(r, 'json', lt))).to.equal(expected);
          if (r.strengths.every((row) => row.length === (r.strengths[0]?.length ?? 0))) {
            expect(text(solveOutput(withColumns(r), 'json', lt))).to.equal(expected);
          }
        }),
        { seed: SEED, numRuns: 400 },
      );
    });

    it('dln solve CSV, from nested arrays and from flat columns', () => {
      fc.assert(
        fc.property(solveResult, (r) => {
          expect(text(solveOutput(r, 'csv', false))).to.equal(strengthsCsv(r));
          expect(text(solveOutput(withColumns(r), 'csv', false))).to.equal(strengthsCsv(r));
        }),
        { seed: SEED + 1, numRuns: 400 },
      );
    });

    it('any JSON object with its arrays streamed element by element (dln simulate, dln gdln)', () => {
      const json = fc.jsonValue();
      const object = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(json, fc.array(json), fc.constant(undefined), fc.array(fc.constant(undefined))));
      fc.assert(
        fc.property(object, fc.array(fc.string({ maxLength: 6 })), (o, extra) => {
          const streamed = [...Object.keys(o), ...extra];
          expect(text(jsonObjectChunks(jsonFields(o, streamed)))).to.equal(JSON.stringify(o) + '\n');
          expect(text(jsonObjectChunks(jsonFields(o, [])))).to.equal(JSON.stringify(o) + '\n');
        }),
        { seed: SEED + 2, numRuns: 400 },
      );
    });

    it('writeChunks writes the chunks in order whatever the batch size', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.string({ maxLength: 20 })), fc.integer({ min: 1, max: 64 }), async (chunks, batchChars) => {
          const sink = new SlowSink(0);
          await writeChunks(sink, chunks, { batchChars });
          expect(sink.written.join('')).to.equal(chunks.join(''));
          // Batches are no longer than batchChars plus the chunk that filled them.
          for (const w of sink.written) expect(w.length).to.be.below(batchChars + 20);
        }),
        { seed: SEED + 3, numRuns: 200 },
      );
    });
  });

  describe('real solutions', () => {
    const problem = {
      singularValues: [3, 1],
      depths: [2, 3],
      init: { q: [[0.5, 0.4], [0.5, 0.3]], p: [[0.01, -0.02], [0.02, 0.001]] },
      times: Array.from({ length: 50 }, (_, i) => i * 0.4),
    };

    it('print what JSON.stringify(solution.toJSON()) and strengthsCsv print', () => {
      for (const learningFraction of [undefined, 0.5]) {
        const solution = solveReduced(problem, learningFraction === undefined ? {} : { learningFraction });
        const json = solution.toJSON();
        const expected = JSON.stringify(learningFraction === undefined ? json : { ...json, learningTimes: solution.learningTimes }) + '\n';
        expect(text(solveOutput(solution, 'json', learningFraction !== undefined))).to.equal(expected);
        expect(text(solveOutput(solution, 'csv', false))).to.equal(strengthsCsv(json));
      }
    });

    it('are read from the flat columns: the public nested arrays are never built', () => {
      const solution = solveReduced(problem);
      const expected = JSON.stringify(solution.toJSON()) + '\n';
      // Reading times, strengths or loss would build the arrays streaming is meant to avoid.
      const guarded = Object.create(solution) as typeof solution;
      for (const key of ['times', 'strengths', 'loss']) {
        Object.defineProperty(guarded, key, { get: () => expect.fail(`solution.${key} was read`) });
      }
      expect(solutionRows(guarded).length).to.equal(50);
      expect(text(solveOutput(guarded, 'json', false))).to.equal(expected);
    });

    it('one chunk per output time and field: the output is written row by row', () => {
      const solution = solveReduced(problem);
      // { "status", times [ 50 ], strengths [ 50 ], loss [ 50 ], stats, "}\n" }: 3·50 rows + 3·2 brackets + 3.
      expect(Array.from(solveOutput(solution, 'json', false))).to.have.length(3 * 50 + 6 + 3);
      expect(Array.from(solveOutput(solution, 'csv', false))).to.have.length(1 + 50);
    });
  });

  describe('backpressure', () => {
    it('waits for drain after every write the stream refuses: never a second chunk pending', async () => {
      const chunks = Array.from({ length: 40 }, (_, i) => `row ${i}\n`);
      const sink = new SlowSink(2);
      await writeChunks(sink, chunks, { batchChars: 1 });
      expect(sink.written).to.deep.equal(chunks);
      expect(sink.writesWhileFull).to.equal(0);
      expect(sink.maxPending).to.equal(1);
    });

    it('pulls chunks only as they are written: a stalled stream stops the generator', async () => {
      let made = 0;
      function* rows(): Generator<string> {
        for (let i = 0; i < 200; i++) {
          made++;
          yield 'x'.repeat(10);
        }
      }
      const sink = new SlowSink(20);
      const done = writeChunks(sink, rows(), { batchChars: 100 });
      await new Promise((resolve) => setTimeout(resolve, 5));
      // One batch of 10 chunks written, then a wait for 'drain' that has not come yet.
      expect(made).to.equal(10);
      expect(sink.written).to.have.length(1);
      await done;
      expect(made).to.equal(200);
    });

    it('rejects when the stream errs or closes while a write waits', async () => {
      for (const event of ['error', 'close'] as const) {
        const sink = new (class extends EventEmitter implements ChunkSink {
          write(): boolean {
            setImmediate(() => this.emit(event, new Error('EPIPE')));
            return false;
          }
        })();
        let failure: unknown = null;
        await writeChunks(sink, ['a', 'b'], { batchChars: 1 }).catch((err: unknown) => (failure = err));
        expect(failure, event).to.be.instanceOf(Error);
      }
    });
  });

  describe('the command', () => {
    // 10⁴ times: a few hundred KB, many batches through a pipe.
    const problem = {
      singularValues: [2],
      depths: [2, 3],
      init: { q: [[0.5], [0.5]], p: [[0.01], [-0.02]] },
      times: Array.from({ length: 10_000 }, (_, i) => i * 0.01),
    };

    it('dln solve prints exactly JSON.stringify(result) and the old CSV through a pipe', function () {
      this.timeout(60000);
      const file = files.write(problem);
      const json = solveReduced(problem).toJSON();
      const run = dln(['solve', file]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(JSON.stringify(json) + '\n');
      const csv = dln(['solve', file, '--format', 'csv']);
      expect(csv.code, csv.stderr).to.equal(0);
      expect(csv.stdout).to.equal(strengthsCsv(json));
    });

    it('dln solve … | head -c 100 exits 0 without an EPIPE stack', function () {
      this.timeout(60000);
      const file = files.write({ ...problem, times: Array.from({ length: 100_000 }, (_, i) => i * 0.001) });
      for (const format of ['json', 'csv']) {
        const run = spawnSync(
          'bash',
          ['-c', `"${process.execPath}" "${DLN}" solve "${file}" --format ${format} | head -c 100; echo; echo "status \${PIPESTATUS[0]}" >&2`],
          { encoding: 'utf8' },
        );
        expect(run.stdout.trim()).to.have.length(100);
        expect(run.stderr, format).to.match(/status 0/);
        expect(run.stderr, format).not.to.match(/EPIPE|Error|at /);
      }
    });
  });
});
