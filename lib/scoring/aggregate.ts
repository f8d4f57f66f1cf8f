/**
 * Per-type aggregation (docs/method.md#benchmarks-and-scores), computed in the same order and with
 * the same float arithmetic as lmms-eval's `vsibench_aggregate_results`:
 *
 * 1. each question type's score is the mean of its rows (pandas: numpy's
 *    pairwise sum / count), rows in benchmark order;
 * 2. types are taken in sorted order (pandas `groupby`), then each merged
 *    group (the three rel-direction levels) is removed and its levels'
 *    scores averaged with Python's `sum(...) / n`, appended at the end;
 * 3. Avg = Python `sum()` over that list / its length (the macro average).
 *
 * NQ and MCQ (paper Table 1) are the same macro average over numeric and
 * multiple-choice types; NaN (null in JSON) when a benchmark has none. Scores
 * are reported as 100 x those fractions. Localization rows (kind "IoU") and
 * free-text rows (kind "F1") are reported per modality only, outside the
 * averages.
 */
import { MODALITIES, type BenchmarkCell, type BenchmarkReport, type BenchmarkScore } from '../../core/index.ts';
import { numpyMean, pythonSum } from './python-numerics.ts';

export type ScoreKind = 'NQ' | 'MCQ' | 'IoU' | 'F1';

/** Kinds reported per (type, modality) only, outside NQ / MCQ / Avg: localization IoU, free-text F1. */
const OUTSIDE_AVERAGES: readonly ScoreKind[] = ['IoU', 'F1'];

/** One scored row. */
export interface ScoredRow {
  type: string;
  kind: ScoreKind;
  modality?: string;
  /** 0..1 */
  score: number;
  /** IoU rows: the answer was well-formed grounding JSON. */
  valid?: boolean;
}

export interface TypeLayout {
  /** Display order of question types; types not listed follow in sorted order. */
  order?: readonly string[];
  /** A reported type -> the types averaged into it first (e.g. the three rel-direction levels). */
  merge?: Readonly<Record<string, readonly string[]>>;
}

/** VSI-Bench's layout: paper Table 10's column order, rel-direction levels averaged first. */
export const VSI_LAYOUT: TypeLayout = {
  order: [
    'object_counting',
    'object_abs_distance',
    'object_size_estimation',
    'room_size_estimation',
    'object_rel_distance',
    'object_rel_direction',
    'route_planning',
    'obj_appearance_order',
  ],
  merge: { object_rel_direction: ['object_rel_direction_easy', 'object_rel_direction_medium', 'object_rel_direction_hard'] },
};

type Aggregate = Pick<BenchmarkReport, 'scores' | 'nq' | 'mcq' | 'avg' | 'byModality'>;

function groupBy<K>(rows: readonly ScoredRow[], key: (row: ScoredRow) => K): Map<K, ScoredRow[]> {
  const groups = new Map<K, ScoredRow[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

function kindOf(rows: readonly { kind: ScoreKind }[], type: string): ScoreKind {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  if (kinds.length !== 1) throw new Error(`question type "${type}" mixes ${kinds.join(' and ')} rows`);
  return kinds[0]!;
}

const mean = (values: number[]) => (values.length ? pythonSum(values) / values.length : Number.NaN);

/** Scores per type, NQ / MCQ / Avg and per-modality cells of rows listed in benchmark order. */
export function aggregateScores(rows: readonly ScoredRow[], layout: TypeLayout = {}): Aggregate {
  const averaged = rows.filter((r) => !OUTSIDE_AVERAGES.includes(r.kind));
  const byType = [...groupBy(averaged, (r) => r.type)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let entries: { type: string; kind: ScoreKind; count: number; value: number; levels?: string[] }[] = byType.map(([type, group]) => ({
    type,
    kind: kindOf(group, type),
    count: group.length,
    value: numpyMean(group.map((r) => r.score)),
  }));
  for (const [merged, levels] of Object.entries(layout.merge ?? {})) {
    const parts = levels.flatMap((level) => entries.filter((e) => e.type === level));
    if (!parts.length) continue;
    const kind = kindOf(parts, merged);
    entries = entries.filter((e) => !parts.includes(e));
    entries.push({ type: merged, kind, count: pythonSum(parts.map((p) => p.count)), value: mean(parts.map((p) => p.value)), levels: parts.map((p) => p.type) });
  }
  const order = layout.order ?? [];
  const rank = (type: string) => (order.includes(type) ? order.indexOf(type) : order.length);
  const scores: BenchmarkScore[] = entries
    .map((e, i) => ({ e, i }))
    .sort((x, y) => rank(x.e.type) - rank(y.e.type) || x.i - y.i)
    .map(({ e }) => ({ type: e.type, kind: e.kind as 'NQ' | 'MCQ', count: e.count, score: 100 * e.value, ...(e.levels && { levels: e.levels }) }));
  const of = (kind?: ScoreKind) => 100 * mean(entries.filter((e) => !kind || e.kind === kind).map((e) => e.value));
  const result: Aggregate = { scores, nq: of('NQ'), mcq: of('MCQ'), avg: of() };
  if (rows.some((r) => r.modality !== undefined)) result.byModality = modalityCells(rows, rank);
  return result;
}

function modalityCells(rows: readonly ScoredRow[], rank: (type: string) => number): BenchmarkCell[] {
  const modalityRank = (m: string) => {
    const i = (MODALITIES as readonly string[]).indexOf(m);
    return i < 0 ? MODALITIES.length : i;
  };
  return [...groupBy(rows, (r) => `${r.type}\u0000${r.modality ?? ''}`).values()]
    .map((group) => ({
      type: group[0]!.type,
      modality: group[0]!.modality ?? '',
      kind: kindOf(group, group[0]!.type),
      count: group.length,
      score: 100 * numpyMean(group.map((r) => r.score)),
      ...(group.every((r) => r.valid !== undefined) && { valid: (100 * group.filter((r) => r.valid).length) / group.length }),
    }))
    .sort(
      (a, b) =>
        rank(a.type) - rank(b.type) ||
        (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) ||
        modalityRank(a.modality) - modalityRank(b.modality) ||
        (a.modality < b.modality ? -1 : a.modality > b.modality ? 1 : 0),
    );
}
