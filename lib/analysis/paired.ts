/**
 * Paired differences of runs' scores, read from the predictions they saved,
 * each with a 95% bootstrap interval over the rows both sides scored
 * (lib/scoring/bootstrap.ts): a run's points against their controls, the
 * references and each other (`pairedTables`), an ablation's variants
 * (`ablationPairedTables`), runs against runs by seed (`seedPairedTables`).
 * The same rows answer both sides, so the interval measures only how the two
 * answer them differently: a difference whose interval holds 0 is within
 * the noise of the benchmark's rows, whatever the spread across seeds.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_CONTROLS, INTERVAL_LEVEL, markdownTable, readJsonLines, REFERENCES, type AblationSummary, type BenchmarkReport, type RunDirectory, type RunState } from '../../core/index.ts';
import { beyondRowNoise, intervalText, pooledDifference, type RowScore } from '../scoring/index.ts';

/** One side of a comparison: a report and where its predictions are. */
export interface ScoredEvaluation {
  report: BenchmarkReport;
  dir: string;
}

const scoredRows = (dir: string): RowScore[] =>
  existsSync(join(dir, 'predictions.jsonl')) ? readJsonLines<RowScore>(join(dir, 'predictions.jsonl')).filter((r) => typeof r.score === 'number') : [];

/**
 * The mean over pairs of A's Avg minus B's: "+2.7 (-2.4 to +7.7)", with "*"
 * when the interval leaves out 0; "-" when there is no pair. The resampling
 * is seeded by the benchmark alone: the same comparison gets the same
 * interval from every table it is in.
 */
function differenceCell(pairs: [ScoredEvaluation, ScoredEvaluation | undefined][], benchmark: string): string {
  const complete = pairs.filter((p): p is [ScoredEvaluation, ScoredEvaluation] => !!p[1]);
  if (!complete.length) return '-';
  const rows = complete.map(([a, b]) => [scoredRows(a.dir), scoredRows(b.dir)] as const);
  const { difference } = pooledDifference(rows, complete[0]![0].report.scores, benchmark);
  return difference.avg ? `${intervalText(difference.avg, { signed: true, bare: true })}${beyondRowNoise(difference.avg) ? ' *' : ''}` : '-';
}

/** Per benchmark the run evaluated: a table of Avg differences, one row per evaluation point (empty when nothing to compare). */
export function pairedTables(run: RunDirectory, state: RunState): string[] {
  const tables: string[] = [];
  const points = Object.keys(state.evaluations);
  const benchmarks = [...new Set(points.flatMap((p) => Object.keys(state.evaluations[p]!)))];
  for (const benchmark of benchmarks) {
    const at = (point: string, control?: string): ScoredEvaluation | undefined => {
      const report = control ? state[control as 'blind']?.[point]?.[benchmark] : state.evaluations[point]?.[benchmark];
      return report && { report, dir: control ? `${run.evalDir(point, benchmark)}-${control}` : run.evalDir(point, benchmark) };
    };
    const reference = (id: (typeof REFERENCES)[number]): ScoredEvaluation | undefined => {
      const report = state[id]?.[benchmark];
      return report && { report, dir: run.evalDir(id, benchmark) };
    };
    const columns = [
      ...CHECKPOINT_CONTROLS.map((control) => ({ title: `- its ${control} control`, of: (point: string) => at(point, control) })),
      ...REFERENCES.map((id) => ({ title: `- ${id}`, of: () => reference(id) })),
      { title: '- the point before', of: (point: string) => at(points[points.indexOf(point) - 1] ?? '') },
    ].filter((c) => points.some((p) => c.of(p)));
    const rows = points.flatMap((point) => {
      const own = at(point);
      return own && columns.length ? [[point, ...columns.map((c) => differenceCell([[own, c.of(point)]], benchmark))]] : [];
    });
    // a benchmark with no Avg (captions only) has nothing to compare
    if (rows.some((row) => row.slice(1).some((cell) => cell !== '-')))
      tables.push(markdownTable([`${benchmark}: Avg minus (${INTERVAL_LEVEL}% CI)`, ...columns.map((c) => c.title.slice(2))], rows));
  }
  return tables;
}

/**
 * Per benchmark of an ablation: each variant's final Avg minus the first
 * variant's (pair by pair at each seed both ran) and minus its own blind and
 * swapped controls, the mean over seeds with an interval over the rows (every
 * seed scores the same rows: one draw of rows serves every seed).
 */
export function ablationPairedTables(summary: AblationSummary): string[] {
  const [reference, ...others] = summary.variants.map((v) => v.variant);
  const tables: string[] = [];
  for (const benchmark of summary.benchmarks) {
    const final = (run: AblationSummary['runs'][number], control?: string): ScoredEvaluation | undefined => {
      const report = control ? run[control as 'blind']?.[benchmark] : run.final[benchmark];
      return report && { report, dir: join(run.dir, 'eval', run.point, control ? `${benchmark}-${control}` : benchmark) };
    };
    const runsOf = (variant: string) => summary.runs.filter((r) => r.variant === variant && final(r));
    const partner = (run: AblationSummary['runs'][number]) => runsOf(reference!).find((r) => r.seed === run.seed);
    const against = (other: (run: AblationSummary['runs'][number]) => ScoredEvaluation | undefined) => (variant: string) =>
      runsOf(variant).map((r): [ScoredEvaluation, ScoredEvaluation | undefined] => [final(r)!, other(r)]);
    const columns = [
      { title: reference!, pairs: against((r) => partner(r) && final(partner(r)!)) },
      ...CHECKPOINT_CONTROLS.map((control) => ({ title: `its ${control} control`, pairs: against((r) => final(r, control)) })),
    ];
    const variants = [reference!, ...others];
    // one column of cells per comparison; a comparison no variant has is left out
    const cells = columns
      .map((c) => ({ title: c.title, cells: variants.map((v) => (v === reference && c.title === reference ? '-' : differenceCell(c.pairs(v), benchmark))) }))
      .filter((c) => c.cells.some((cell) => cell !== '-'));
    const rows = variants.map((v, i) => [v, String(runsOf(v).length), ...cells.map((c) => c.cells[i]!)]);
    if (cells.length) tables.push(markdownTable([`${benchmark}: final Avg minus (${INTERVAL_LEVEL}% CI)`, 'seeds', ...cells.map((c) => c.title)], rows));
  }
  return tables;
}

/** A run's evaluation at one point: per benchmark, its report and predictions. */
export interface RunEvaluation {
  /** How tables name the run. */
  label: string;
  seed: number;
  point: string;
  scored: Record<string, ScoredEvaluation>;
}

/**
 * Per benchmark both sides scored: each run of `a` minus the run of `b` with
 * its seed, a row per seed, then the mean over the seeds with one interval
 * (each seed pair on the same rows). Throws when a run of `a` has no partner.
 */
export function seedPairedTables(a: RunEvaluation[], b: RunEvaluation[]): string[] {
  const pairs = a.map((run) => {
    const partners = b.filter((other) => other.seed === run.seed);
    if (partners.length !== 1)
      throw new Error(`${run.label} (seed ${run.seed}): ${partners.length ? `${partners.length} runs` : 'no run'} to compare with at seed ${run.seed} (${b.map((o) => `${o.label}: seed ${o.seed}`).join(', ')})`);
    return [run, partners[0]!] as const;
  });
  const benchmarks = Object.keys(a[0]?.scored ?? {}).filter((id) => pairs.every(([x, y]) => x.scored[id] && y.scored[id]));
  return benchmarks.map((benchmark) => {
    const of = (list: (typeof pairs)[number][]) => list.map(([x, y]): [ScoredEvaluation, ScoredEvaluation] => [x.scored[benchmark]!, y.scored[benchmark]!]);
    const rows = pairs.map((pair) => [`seed ${pair[0].seed}: ${pair[0].label} (${pair[0].point}) - ${pair[1].label} (${pair[1].point})`, differenceCell(of([pair]), benchmark)]);
    if (pairs.length > 1) rows.push([`mean over the ${pairs.length} seeds`, differenceCell(of(pairs), benchmark)]);
    return markdownTable([`${benchmark}: Avg difference`, `${INTERVAL_LEVEL}% CI`], rows);
  });
}

/** Printed under the tables: how to read them. */
export const PAIRED_LEGEND =
  `Each cell: the checkpoint's Avg minus the other's on the same rows (over several seeds, the mean of the seeds' differences), with its ${INTERVAL_LEVEL}% interval (a bootstrap that draws the same rows for both, each question type's rows resampled apart); ` +
  "* where the interval leaves out 0. An interval holding 0 is a difference within the noise of the benchmark's rows.";
