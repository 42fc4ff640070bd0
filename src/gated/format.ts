/** The gated result as CSV: one row per (record, edge, singular value), the record's loss on each row. */
import type { GatedResult } from './solve.ts';

export function gatedCsv(result: GatedResult): string {
  const byStep = result.records.length > 0 && result.records[0]!.step !== undefined;
  const lines = [`${byStep ? 'step' : 't'},loss,edge,k,singularValue`];
  for (const r of result.records) {
    const when = byStep ? r.step : r.t;
    for (const [edge, { singularValues }] of Object.entries(r.edges)) {
      singularValues.forEach((s, k) => lines.push(`${when},${r.loss},${csvField(edge)},${k},${s}`));
    }
  }
  return lines.join('\n') + '\n';
}

/** Edge ids are user strings: quote the ones CSV would split. */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
