/** Tidy CSV renderings of results: one row per (time, pathway, mode). */
import type { ReducedResult } from '../reduced/types.ts';

export function strengthsCsv(result: Pick<ReducedResult, 'times' | 'strengths'>): string {
  const lines = ['t,pathway,mode,strength'];
  result.times.forEach((t, i) => {
    result.strengths[i]!.forEach((row, a) => {
      row.forEach((k, m) => lines.push(`${t},${a},${m},${k}`));
    });
  });
  return lines.join('\n') + '\n';
}
