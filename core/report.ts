/** Tables for people: markdown (readable in a terminal and pasteable into a paper draft). */
import { MODALITIES, type BenchmarkReport } from './types.ts';

/** Numbers are printed with one decimal; numeric columns are right-aligned, text left-aligned. */
export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? cell.toFixed(1) : cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => String(row[i] ?? '').length)));
  const numeric = headers.map((_, i) => cells.some((r) => /\d/.test(r[i] ?? '')) && cells.every((r) => /^(-?\d+(\.\d+)?|-|)$/.test(r[i] ?? '')));
  const line = (row: string[]) => `| ${row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(headers), rule, ...cells.map((row) => line(row.map(String)))].join('\n');
}

/** One benchmark's per-type scores, then NQ / MCQ / Avg; then the type x modality table when the report has one. */
export function benchmarkTable(report: BenchmarkReport): string {
  const rows: (string | number)[][] = report.scores.map((s) => [s.type, s.kind, String(s.count), s.score]);
  rows.push(['NQ', '', '', report.nq], ['MCQ', '', '', report.mcq], ['Avg', '', '', report.avg]);
  const table = markdownTable(['question type', 'kind', 'n', 'score'], rows);
  return report.byModality?.length ? `${table}\n\n${modalityTable(report)}` : table;
}

/** Question types (rows) x modalities (columns), each cell "score (n)"; "-" where a type has no rows of a modality. */
export function modalityTable(report: BenchmarkReport): string {
  const cells = report.byModality ?? [];
  const rank = (m: string) => ((MODALITIES as readonly string[]).includes(m) ? (MODALITIES as readonly string[]).indexOf(m) : MODALITIES.length);
  const modalities = [...new Set(cells.map((c) => c.modality))].sort((a, b) => rank(a) - rank(b));
  const types = [...new Set(cells.map((c) => c.type))];
  const rows = types.map((type) => [
    type,
    ...modalities.map((m) => {
      const cell = cells.find((c) => c.type === type && c.modality === m);
      return cell ? `${cell.score.toFixed(1)} (${cell.count})` : '-';
    }),
  ]);
  return markdownTable(['question type', ...modalities], rows);
}

/**
 * Evaluation points (rows) x benchmarks (NQ / MCQ / Avg column groups),
 * the layout of the paper's Table 1.
 */
export function evaluationTable(evaluations: Record<string, Record<string, BenchmarkReport>>): string {
  const benchmarks = [...new Set(Object.values(evaluations).flatMap((byBench) => Object.keys(byBench)))];
  if (!benchmarks.length) return '(no benchmark was evaluated)';
  const headers = ['checkpoint', ...benchmarks.flatMap((b) => [`${b} NQ`, `${b} MCQ`, `${b} Avg`])];
  const rows = Object.entries(evaluations).map(([point, byBench]) => [
    point,
    ...benchmarks.flatMap((b): (string | number)[] => {
      const r = byBench[b];
      return r ? [r.nq, r.mcq, r.avg] : ['-', '-', '-'];
    }),
  ]);
  return markdownTable(headers, rows);
}
