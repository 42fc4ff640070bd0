/** `dln gdln` as a user runs it: the example, CSV, limits and bad input (exit codes 0 / 1 / 2). */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dln, jsonFiles } from '../helpers/cli.ts';

describe('dln gdln', () => {
  const files = jsonFiles('dln-gdln-');
  const example = JSON.parse(readFileSync(new URL('../../examples/gdln-routing.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const quick = { ...example, engine: 'reduced', train: { method: 'gd', learningRate: 0.16, steps: 100, recordEvery: 50 } };

  it('runs the routing example through the race and prints the records as JSON', function () {
    this.timeout(60000);
    const run = dln(['gdln', files.write(quick)]);
    expect(run.code, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout) as { status: string; records: { step: number; loss: number; edges: Record<string, { singularValues: number[] }> }[] };
    expect(result.status).to.equal('ok');
    expect(result.records.map((r) => r.step)).to.deep.equal([0, 50, 100]);
    // The authors' loss (×8, routing/authorsLossFactor) at epoch 100 is 58.85 in the exact map.
    expect(8 * result.records[2]!.loss).to.be.closeTo(58.85, 0.01);
    expect(result.records[0]!.edges['shared']!.singularValues).to.have.length(64);
  });

  it('--format csv gives one row per record, edge and singular value', function () {
    this.timeout(60000);
    const run = dln(['gdln', files.write(quick), '--format', 'csv']);
    expect(run.code, run.stderr).to.equal(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).to.equal('step,loss,edge,k,singularValue');
    // 3 records × (7 encoders × 4 + shared 64 + 7 decoders × 7) rows.
    expect(lines.length - 1).to.equal(3 * (28 + 64 + 49));
  });

  it('refuses bad input with exit 2 and the field named', () => {
    const run = dln(['gdln', files.write({ ...quick, engine: 'quantum' })]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/^dln: invalid gated problem .*: engine: got "quantum"/);
    expect(dln(['gdln', files.write(quick), '--format', 'xml']).code).to.equal(2);
    expect(dln(['gdln', files.write(quick), '--max-time', 'soon']).stderr).to.match(/--max-time: got "soon"/);
  });

  it('refuses work past --max-time before starting, and says how to raise it', () => {
    const run = dln(['gdln', files.write({ ...quick, train: { method: 'gd', learningRate: 0.16, steps: 10000000, recordEvery: 10000000 } }), '--max-time', '5']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/estimated .* s of work"; allowed: at most 5 s.*--max-time/);
    expect(run.stdout).to.equal('');
  });

  it('exits 1 with the reason when training diverges', () => {
    const run = dln(['gdln', files.write({ ...quick, engine: 'network', train: { method: 'gd', learningRate: 1e6, steps: 20, recordEvery: 1 } })]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/gdln failed: diverged/);
    expect(JSON.parse(run.stdout).status).to.equal('failed');
  });

  it('hostile files (seeded: garbage JSON, truncated text, mutated problems) exit 0, 1 or 2 — never 70 or a crash', function () {
    this.timeout(120000);
    const text = JSON.stringify(quick);
    const inputs = fc.sample(
      fc.oneof(
        fc.integer({ min: 1, max: text.length - 1 }).map((n) => text.slice(0, n)),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        fc.tuple(fc.integer({ min: 0, max: text.length - 2 }), fc.constantFrom('[', '{', '"', '1e999', 'null', ',')).map(([i, c]) => text.slice(0, i) + c + text.slice(i + 1)),
      ),
      { seed: 1403, numRuns: 16 },
    );
    inputs.forEach((input, i) => {
      const path = join(files.dir, `hostile${i}.json`);
      writeFileSync(path, input);
      const run = dln(['gdln', path, '--max-time', '20']);
      expect([0, 1, 2], `input ${i}: ${input.slice(0, 80)} → ${run.stderr.slice(0, 200)}`).to.include(run.code);
    });
  });
});
