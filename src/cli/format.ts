/** Tidy CSV renderings of results: one row per (time, pathway, mode). */
import type { ReducedResult } from '../reduced/types.ts';
import type { StrengthRows } from './stream.ts';

export const STRENGTHS_CSV_HEADER = 't,pathway,mode,strength';

/** The whole CSV text at once (the reference the streamed chunks are tested against). */
export function strengthsCsv(result: Pick<ReducedResult, 'times' | 'strengths'>): string {
  const lines = [STRENGTHS_CSV_HEADER];
  result.times.forEach((t, i) => {
    result.strengths[i]!.forEach((row, a) => {
      row.forEach((k, m) => lines.push(`${t},${a},${m},${k}`));
    });
  });
  return lines.join('\n') + '\n';
}

/** The same text as strengthsCsv, the header and then one chunk per output time. */
export function* strengthsCsvChunks(rows: StrengthRows): Generator<string> {
  yield STRENGTHS_CSV_HEADER + '\n';
  for (let i = 0; i < rows.length; i++) {
    const t = rows.time(i);
    let chunk = '';
    const M = rows.pathways(i);
    for (let a = 0; a < M; a++) {
      const K = rows.modes(i, a);
      for (let m = 0; m < K; m++) chunk += `${t},${a},${m},${rows.strength(i, a, m)}\n`;
    }
    yield chunk;
  }
}
