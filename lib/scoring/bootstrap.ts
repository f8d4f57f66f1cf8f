/**
 * How far a benchmark score can be trusted, from the rows it was scored on:
 * a percentile bootstrap, stratified by question type (each type's rows
 * drawn again with replacement, so every resample keeps the benchmark's
 * composition), with NQ / MCQ / Avg recomputed as the report computes them
 * (per-type means, merged types averaged from their levels first, macro
 * means over types). Two evaluations of the same rows are compared paired:
 * each resample draws the same rows for both, so the interval of the
 * difference leaves out how hard the rows happen to be, which two checkpoints
 * share. The draws are seeded with a fixed seed: an interval depends on the
 * scores only.
 */
import { createRandom, INTERVAL_LEVEL, type BenchmarkReport, type BenchmarkScore, type ScoreInterval } from '../../core/index.ts';

/** Resamples drawn, and the central share of them an interval spans. */
export const BOOTSTRAP = { resamples: 2000, level: INTERVAL_LEVEL / 100 } as const;

export type Summary = 'avg' | 'nq' | 'mcq';
const SUMMARIES: readonly Summary[] = ['avg', 'nq', 'mcq'];

export type Interval = ScoreInterval;

/** The interval of each summary a report has (NQ or MCQ absent when it has no type of that kind). */
export type Intervals = NonNullable<BenchmarkReport['intervals']>;

/** A scored row: its id pairs it with the same row of another evaluation. */
export interface RowScore {
  id?: string;
  type: string;
  /** 0..1 */
  score: number;
}

export interface PairedDifference {
  /** Rows scored in both evaluations (the rows compared). */
  rows: number;
  /** Rows scored in only one of them (left out). */
  unpaired: number;
  /** A - B, in points. */
  difference: Intervals;
}

/** Row types of each reported type (itself, or its levels), for the types that count in NQ / MCQ / Avg. */
function strata(types: readonly BenchmarkScore[]) {
  return types.map((t) => ({ kind: t.kind, rowTypes: t.levels ?? [t.type] }));
}

/** NQ / MCQ / Avg (0..100) from per-row-type means, as lib/scoring/aggregate.ts computes them. */
function summaries(types: ReturnType<typeof strata>, typeMean: (rowType: string) => number): Record<Summary, number> {
  const values = types
    .map((t) => {
      const levels = t.rowTypes.map(typeMean).filter((v) => !Number.isNaN(v));
      return { kind: t.kind, value: levels.reduce((s, v) => s + v, 0) / levels.length };
    })
    .filter((v) => !Number.isNaN(v.value)); // a type with no rows (none paired) counts in neither
  const macro = (kind?: string) => {
    const own = values.filter((v) => !kind || v.kind === kind);
    return own.length ? (100 * own.reduce((s, v) => s + v.value, 0)) / own.length : Number.NaN;
  };
  return { avg: macro(), nq: macro('NQ'), mcq: macro('MCQ') };
}

/** The q-quantile of sorted values (linear between neighbours). */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (at - below) * (sorted[above]! - sorted[below]!);
}

/**
 * Bootstrap of f(A) - f(B) over rows grouped by row type; `b` absent: of f(A).
 * `groups`: row type -> the rows' scores in A (and, paired, in B, index for index).
 */
function bootstrap(types: readonly BenchmarkScore[], groups: Map<string, { a: number[]; b?: number[] }>, label: string): Intervals {
  const layout = strata(types);
  const statistic = (mean: (scores: 'a' | 'b', rowType: string) => number) => {
    const a = summaries(layout, (t) => mean('a', t));
    const b = summaries(layout, (t) => mean('b', t));
    const paired = [...groups.values()].some((g) => g.b);
    return Object.fromEntries(SUMMARIES.map((s) => [s, paired ? a[s] - b[s] : a[s]])) as Record<Summary, number>;
  };
  const average = (values: number[]) => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : Number.NaN);
  const estimate = statistic((side, t) => average(groups.get(t)?.[side] ?? []));

  const random = createRandom(0, `bootstrap/${label}`);
  const draws = Object.fromEntries(SUMMARIES.map((s) => [s, new Float64Array(BOOTSTRAP.resamples)])) as Record<Summary, Float64Array>;
  const entries = [...groups.entries()];
  for (let r = 0; r < BOOTSTRAP.resamples; r++) {
    const means = new Map<string, { a: number; b: number }>();
    for (const [type, { a, b }] of entries) {
      let sumA = 0;
      let sumB = 0;
      for (let i = 0; i < a.length; i++) {
        const k = random.int(a.length);
        sumA += a[k]!;
        if (b) sumB += b[k]!;
      }
      means.set(type, { a: sumA / a.length, b: sumB / a.length });
    }
    const value = statistic((side, t) => means.get(t)?.[side] ?? Number.NaN);
    for (const s of SUMMARIES) draws[s][r] = value[s];
  }
  const tail = (1 - BOOTSTRAP.level) / 2;
  const out: Intervals = {};
  for (const s of SUMMARIES) {
    if (Number.isNaN(estimate[s])) continue;
    const sorted = draws[s].sort();
    out[s] = { estimate: estimate[s], low: quantile(sorted, tail), high: quantile(sorted, 1 - tail) };
  }
  return out;
}

/** Row types that count in the report's NQ / MCQ / Avg (localization and free-text rows do not). */
const countedTypes = (types: readonly BenchmarkScore[]) => new Set(strata(types).flatMap((t) => t.rowTypes));

/** Intervals of a report's NQ / MCQ / Avg from its scored rows; `types`: the report's per-type scores (kinds, merged levels). */
export function scoreIntervals(rows: readonly RowScore[], types: readonly BenchmarkScore[], label = ''): Intervals {
  const counted = countedTypes(types);
  const groups = new Map<string, { a: number[] }>();
  for (const row of rows) {
    if (!counted.has(row.type)) continue;
    const group = groups.get(row.type) ?? { a: [] };
    group.a.push(row.score);
    groups.set(row.type, group);
  }
  return bootstrap(types, groups, label);
}

/**
 * A - B with a paired interval: rows are matched by id (a row scored in only
 * one evaluation is left out and counted); `types`: A's per-type scores.
 * Throws when a row id has different question types in A and B (not the same
 * benchmark rows).
 */
export function pairedDifference(a: readonly RowScore[], b: readonly RowScore[], types: readonly BenchmarkScore[], label = ''): PairedDifference {
  const counted = countedTypes(types);
  const inB = new Map<string, RowScore>();
  for (const row of b) if (row.id !== undefined && counted.has(row.type)) inB.set(row.id, row);
  const groups = new Map<string, { a: number[]; b: number[] }>();
  let rows = 0;
  let onlyA = 0;
  for (const row of a) {
    if (!counted.has(row.type)) continue;
    const other = row.id === undefined ? undefined : inB.get(row.id);
    if (!other) {
      onlyA++;
      continue;
    }
    if (other.type !== row.type) throw new Error(`row ${row.id} is "${row.type}" in one evaluation and "${other.type}" in the other: not the same benchmark rows`);
    const group = groups.get(row.type) ?? { a: [], b: [] };
    group.a.push(row.score);
    group.b.push(other.score);
    groups.set(row.type, group);
    inB.delete(row.id!);
    rows++;
  }
  return { rows, unpaired: onlyA + inB.size, difference: rows ? bootstrap(types, groups, label) : {} };
}

/** "+2.8 (95% CI -0.6 to +6.1)"; `signed`: a difference, with its sign; `bare`: "+2.8 (-0.6 to +6.1)", for a table that names the level. */
export function intervalText(interval: Interval, { signed = false, bare = false } = {}): string {
  const f = (v: number) => `${signed && v >= 0 ? '+' : ''}${v.toFixed(1)}`;
  return `${f(interval.estimate)} (${bare ? '' : `${INTERVAL_LEVEL}% CI `}${f(interval.low)} to ${f(interval.high)})`;
}

/** Whether a difference's interval leaves out 0. */
export const beyondRowNoise = (difference: Interval) => difference.low > 0 || difference.high < 0;
