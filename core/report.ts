/** Tables for people: markdown (readable in a terminal and pasteable into a paper draft). */
import { shortHash } from './fingerprint.ts';
import { MODALITIES, type BenchmarkCell, type BenchmarkReport, type PolicyIdentity, type ScoreInterval } from './types.ts';

/** Numbers are printed with one decimal ("-" when not a number: a mean over no rows); numeric columns are right-aligned, text left-aligned. */
export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? (Number.isFinite(cell) ? cell.toFixed(1) : '-') : cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => String(row[i] ?? '').length)));
  const numeric = headers.map((_, i) => cells.some((r) => /\d/.test(r[i] ?? '')) && cells.every((r) => /^(-?\d+(\.\d+)?|-|)$/.test(r[i] ?? '')));
  const line = (row: string[]) => `| ${row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(headers), rule, ...cells.map((row) => line(row.map(String)))].join('\n');
}

/** Rows a report scored (IoU cells of localization and F1 cells of free text included). */
const scoredRows = (report: BenchmarkReport) =>
  report.scores.reduce((n, s) => n + s.count, 0) + (report.byModality ?? []).filter((c) => c.kind === 'IoU' || c.kind === 'F1').reduce((n, c) => n + c.count, 0);

/** "no rows scored (n row(s) could not be scored)" when a report scored nothing, else undefined. */
export function noRowsScored(report: BenchmarkReport): string | undefined {
  if (scoredRows(report) > 0) return undefined;
  const failed = report.errors?.length ?? 0;
  return `no rows scored${failed ? ` (${failed} row(s) could not be scored; see report.json)` : ''}`;
}

/** The level of the intervals reports carry (lib/scoring/bootstrap.ts). */
export const INTERVAL_LEVEL = 95;

/** One benchmark's per-type scores, then NQ / MCQ / Avg (each with its bootstrap interval when the report has them); then the type x modality table when the report has one. */
export function benchmarkTable(report: BenchmarkReport): string {
  const none = noRowsScored(report);
  if (none) return none;
  const intervals = report.intervals;
  const span = (i: ScoreInterval | undefined) => (intervals ? [i ? `${i.low.toFixed(1)} to ${i.high.toFixed(1)}` : '-'] : []);
  const rows: (string | number)[][] = report.scores.map((s) => [s.type, s.kind, String(s.count), s.score, ...span(intervals?.types?.[s.type])]);
  for (const [label, summary] of [['NQ', 'nq'], ['MCQ', 'mcq'], ['Avg', 'avg']] as const) rows.push([label, '', '', report[summary], ...span(intervals?.[summary])]);
  const table = markdownTable(['question type', 'kind', 'n', 'score', ...(intervals ? [`${INTERVAL_LEVEL}% CI (rows resampled)`] : [])], rows);
  return report.byModality?.length ? `${table}\n\n${modalityTable(report)}` : table;
}

/** "runs/x/stages/4-reasoning/final (tiny-vlm, sha256:1a2b3c4d5e6f)": which policy was scored. */
export function describePolicy(policy: PolicyIdentity): string {
  const fingerprint = policy.fingerprint ? `sha256:${shortHash(policy.fingerprint)}` : 'no fingerprint';
  return policy.checkpoint ? `${policy.checkpoint} (${policy.id}, ${fingerprint})` : `${policy.id} (${fingerprint})`;
}

/** report.md of one benchmark: what was scored, the tables, and how many rows could not be scored. */
export function benchmarkMarkdown(report: BenchmarkReport): string {
  const failed = report.errors?.length ?? 0;
  return [
    `# ${report.benchmark}`,
    ...(report.policy ? [`Scored: ${describePolicy(report.policy)}`] : []),
    benchmarkTable(report),
    ...(failed && scoredRows(report) ? [`${failed} row(s) could not be scored; report.json lists them with the reason.`] : []),
  ].join('\n\n') + '\n';
}

/** The paper's modality order (single image, multi-view, video); unknown modalities last. */
function modalityRank(modality: string): number {
  const rank = (MODALITIES as readonly string[]).indexOf(modality);
  return rank < 0 ? MODALITIES.length : rank;
}

/** Question types (rows) x modalities (columns), each cell "score (n)"; "-" where a type has no rows of a modality. */
export function modalityTable(report: BenchmarkReport): string {
  const cells = report.byModality ?? [];
  const modalities = [...new Set(cells.map((c) => c.modality))].sort((a, b) => modalityRank(a) - modalityRank(b));
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
 * The controls a run scores each checkpoint under, beside its own score:
 * `blind` (every image a blank frame: what it answers without seeing) and
 * `swapped` (every row asked with another room's frames: whether what it
 * reads belongs to the room asked about). Config `evaluate.blind`, `evaluate.swapped`.
 */
export const CHECKPOINT_CONTROLS = ['blind', 'swapped'] as const;
export type CheckpointControl = (typeof CHECKPOINT_CONTROLS)[number];

/**
 * The reference policies a run scores once per benchmark, beside every
 * checkpoint: `chance` (knows nothing) and `prior` (the training answers to
 * the same question, no image). Config `evaluate.chance`, `evaluate.prior`.
 */
export const REFERENCES = ['chance', 'prior'] as const;
export type Reference = (typeof REFERENCES)[number];

/** The references a run scores beside its checkpoints (`evaluate.chance`, `evaluate.prior`, `evaluate.blind`, `evaluate.swapped`). */
export interface EvaluationControls
  extends Partial<Record<CheckpointControl, Record<string, Record<string, BenchmarkReport>>>>,
    Partial<Record<Reference, Record<string, BenchmarkReport>>> {}

/** How tables and logs name a control: "chance", "prior", "understanding (blind)", "understanding (swapped)"; a checkpoint's own evaluation is its point. */
export const controlLabel = (point: string, control?: Reference | CheckpointControl) =>
  !control ? point : (REFERENCES as readonly string[]).includes(control) ? control : `${point} (${control})`;

/** What the control rows mean, printed under tables that have them. */
export const CONTROLS_LEGEND =
  'chance: the `chance` policy (a uniform option letter; a number drawn as truth x U[0, 2), 27.5 MRA in expectation). ' +
  'prior: the `prior` policy (each question answered from the training answers to the same question, never from an image: what the question alone gives away). ' +
  '(blind): the same checkpoint asked with every image replaced by a blank grey frame of its size: what it answers without seeing. ' +
  "(swapped): the same checkpoint asked with another room's frames (another row's of the same modality, from another scene): " +
  'what it answers from frames that do not show the room asked about. Only a score above both controls is read from the right pixels.';

/** Rows of a table: the reference levels first, then each point followed by its controls. */
function controlRows(evaluations: Record<string, Record<string, BenchmarkReport>>, controls: EvaluationControls) {
  const rows: { label: string; reports: Record<string, BenchmarkReport> }[] = [];
  for (const reference of REFERENCES) {
    const scored = controls[reference];
    if (scored && Object.keys(scored).length) rows.push({ label: reference, reports: scored });
  }
  for (const [point, reports] of Object.entries(evaluations)) {
    rows.push({ label: point, reports });
    for (const control of CHECKPOINT_CONTROLS) {
      const scored = controls[control]?.[point];
      if (scored && Object.keys(scored).length) rows.push({ label: controlLabel(point, control), reports: scored });
    }
  }
  return rows;
}

/**
 * Evaluation points (rows) x benchmarks (NQ / MCQ / Avg column groups),
 * the layout of the paper's Table 1; with controls, the chance level first
 * and each checkpoint's blind control under it.
 */
export function evaluationTable(evaluations: Record<string, Record<string, BenchmarkReport>>, controls: EvaluationControls = {}): string {
  const benchmarks = [...new Set(Object.values(evaluations).flatMap((byBench) => Object.keys(byBench)))];
  if (!benchmarks.length) return '(no benchmark was evaluated)';
  const headers = ['checkpoint', ...benchmarks.flatMap((b) => [`${b} NQ`, `${b} MCQ`, `${b} Avg`])];
  const rows = controlRows(evaluations, controls).map(({ label, reports }) => [
    label,
    ...benchmarks.flatMap((b): (string | number)[] => {
      const r = reports[b];
      return r ? [r.nq, r.mcq, r.avg] : ['-', '-', '-'];
    }),
  ]);
  return markdownTable(headers, rows);
}

/** Localization over a report's IoU cells: mean IoU (0..1) and the share of well-formed grounding JSON (0..100), row-weighted. */
export function localizationOf(report: BenchmarkReport): { iou: number; valid: number; count: number } | undefined {
  const cells = (report.byModality ?? []).filter((c) => c.kind === 'IoU');
  const count = cells.reduce((n, c) => n + c.count, 0);
  if (!count) return undefined;
  const weighted = (value: (c: BenchmarkCell) => number) => cells.reduce((sum, c) => sum + value(c) * c.count, 0) / count;
  return { iou: weighted((c) => c.score) / 100, valid: weighted((c) => c.valid ?? Number.NaN), count };
}

/**
 * One benchmark, one column per checkpoint (chance first, each checkpoint's
 * blind control beside it): a row per question type, then NQ / MCQ / Avg,
 * then localization's mean IoU and share of valid JSON when it has rows.
 */
export function typeTable(evaluations: Record<string, Record<string, BenchmarkReport>>, benchmark: string, controls: EvaluationControls = {}): string {
  const columns = controlRows(evaluations, controls).filter(({ reports }) => reports[benchmark]);
  if (!columns.length) return `(no evaluation of ${benchmark})`;
  const reports = columns.map(({ reports }) => reports[benchmark]!);
  const types = [...new Set(reports.flatMap((r) => r.scores.map((s) => s.type)))];
  const n = (type: string) => Math.max(0, ...reports.map((r) => r.scores.find((s) => s.type === type)?.count ?? 0));
  const rows: (string | number)[][] = [
    ...types.map((type) => [type, String(n(type)), ...reports.map((r) => r.scores.find((s) => s.type === type)?.score ?? '-')]),
    ['NQ', '', ...reports.map((r) => r.nq)],
    ['MCQ', '', ...reports.map((r) => r.mcq)],
    ['Avg', '', ...reports.map((r) => r.avg)],
  ];
  const located = reports.map(localizationOf);
  const count = Math.max(0, ...located.map((l) => l?.count ?? 0));
  if (count)
    rows.push(
      ['localization IoU (x100)', String(count), ...located.map((l) => (l ? 100 * l.iou : '-'))],
      ['localization valid JSON %', String(count), ...located.map((l) => l?.valid ?? '-')],
    );
  return markdownTable([`${benchmark}: question type`, 'n', ...columns.map((c) => c.label)], rows);
}

/** Everything a run prints at the end: points x benchmarks, then per benchmark the type table and the type x modality table, and the legend. */
export function runTables(
  state: { evaluations: Record<string, Record<string, BenchmarkReport>> } & EvaluationControls,
  benchmarks: string[],
): string {
  const evaluated = benchmarks.filter((b) => Object.values(state.evaluations).some((e) => e[b]));
  const detailed = evaluated.filter((b) => Object.values(state.evaluations).some((e) => e[b]?.byModality?.length));
  const hasControls = [...REFERENCES, ...CHECKPOINT_CONTROLS].some((c) => Object.keys(state[c] ?? {}).length);
  return [
    evaluationTable(state.evaluations, state),
    ...evaluated.map((b) => typeTable(state.evaluations, b, state)),
    ...detailed.map((b) => checkpointTable(state.evaluations, b, state)),
    ...(hasControls ? [CONTROLS_LEGEND] : []),
  ].join('\n\n');
}

/**
 * One benchmark across the evaluation points of a run, the paper's Table 3
 * (base, after stages 1-2, after stage 3) broken down per dimension and
 * modality: one row per (question type, modality) cell, then NQ / MCQ / Avg;
 * one column per evaluation point, and the change from the first to the last.
 */
export function checkpointTable(evaluations: Record<string, Record<string, BenchmarkReport>>, benchmark: string, controls: EvaluationControls = {}): string {
  const points = Object.keys(evaluations).filter((p) => evaluations[p]![benchmark]);
  if (!points.length) return `(no evaluation of ${benchmark})`;
  const reports = points.map((p) => evaluations[p]![benchmark]!);
  const chance = controls.chance?.[benchmark];
  const cells = new Map<string, { type: string; modality: string }>();
  for (const r of reports) for (const c of r.byModality ?? []) cells.set(`${c.type}|${c.modality}`, c);
  for (const c of chance?.byModality ?? []) if (!cells.has(`${c.type}|${c.modality}`) && reports.some((r) => r.byModality)) cells.set(`${c.type}|${c.modality}`, c);
  const keys = [...cells.values()].sort((a, b) => a.type.localeCompare(b.type) || modalityRank(a.modality) - modalityRank(b.modality));
  const delta = (values: (number | undefined)[]) => {
    const [first, last] = [values[0], values.at(-1)];
    if (first === undefined || last === undefined || values.length < 2 || !Number.isFinite(last - first)) return '-';
    return `${last - first >= 0 ? '+' : ''}${(last - first).toFixed(1)}`;
  };
  const cell = (r: BenchmarkReport | undefined, type: string, modality: string) => r?.byModality?.find((c) => c.type === type && c.modality === modality)?.score;
  const row = (label: string, values: (number | undefined)[], reference?: number) => [
    label,
    ...(chance ? [reference ?? '-'] : []),
    ...values.map((v) => v ?? '-'),
    delta(values),
  ];
  const rows = [
    ...keys.map(({ type, modality }) => row(`${type} / ${modality}`, reports.map((r) => cell(r, type, modality)), cell(chance, type, modality))),
    row('NQ', reports.map((r) => r.nq), chance?.nq),
    row('MCQ', reports.map((r) => r.mcq), chance?.mcq),
    row('Avg', reports.map((r) => r.avg), chance?.avg),
  ];
  return markdownTable([`${benchmark}: type / modality`, ...(chance ? ['chance'] : []), ...points, 'change'], rows);
}
