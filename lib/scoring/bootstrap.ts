/**
 * How far a benchmark score can be trusted, from the rows it was scored on:
 * a percentile bootstrap, stratified by question type (each type's rows
 * drawn again with replacement, so every resample keeps the benchmark's
 * composition), with NQ / MCQ / Avg recomputed as the report computes them
 * (per-type means, merged types averaged from their levels first, macro
 * means over types). Two evaluations of the same rows are compared paired:
 * each resample draws the same rows for both, so the interval of the
 * difference leaves out how hard the rows happen to be, which two
 * checkpoints share; pairs from several seeds are pooled the same way. The
 * draws are seeded with a fixed seed: an interval depends on the scores only.
 */
import { numpyMean } from './python-numerics.ts';
import { createRandom, INTERVAL_LEVEL, type BenchmarkReport, type BenchmarkScore, type ScoreInterval } from '../../core/index.ts';

/** Resamples drawn, and the central share of them an interval spans. */
export const BOOTSTRAP = { resamples: 2000, level: INTERVAL_LEVEL / 100 } as const;

type Summary = 'avg' | 'nq' | 'mcq';
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
  /** Rows scored in every evaluation compared (the rows compared). */
  rows: number;
  /** Rows scored in some of them only (left out). */
  unpaired: number;
  /** A - B (the mean over pairs), in points. */
  difference: Intervals;
}

/** Row types of each reported type (itself, or its levels), for the types that count in NQ / MCQ / Avg. */
function strata(types: readonly BenchmarkScore[]) {
  return types.map((t) => ({ kind: t.kind, rowTypes: t.levels ?? [t.type] }));
}

/** NQ / MCQ / Avg (0..100), then each reported type's score, from per-row-type means, as lib/scoring/aggregate.ts computes them. */
function summaries(types: ReturnType<typeof strata>, typeMean: (rowType: string) => number): number[] {
  const values = types.map((t) => {
    const levels = t.rowTypes.map(typeMean).filter((v) => !Number.isNaN(v));
    return { kind: t.kind, value: levels.reduce((s, v) => s + v, 0) / levels.length };
  });
  const macro = (kind?: string) => {
    const own = values.filter((v) => !Number.isNaN(v.value) && (!kind || v.kind === kind)); // a type with no rows (none paired) counts in neither
    return own.length ? (100 * own.reduce((s, v) => s + v.value, 0)) / own.length : Number.NaN;
  };
  return [macro(), macro('NQ'), macro('MCQ'), ...values.map((v) => 100 * v.value)];
}

/** The q-quantile of sorted values (linear between neighbours). */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (at - below) * (sorted[above]! - sorted[below]!);
}

/**
 * Bootstrap of a statistic of several evaluations of the same rows.
 * `groups`: row type -> one score array per evaluation, index for index the
 * same rows; `combine`: the evaluations' summaries -> the statistic (one
 * evaluation: its score; a pair: the difference). Each resample draws the
 * rows of each type once, for every evaluation alike.
 */
function bootstrap(types: readonly BenchmarkScore[], groups: Map<string, number[][]>, combine: (values: number[]) => number, label: string): Intervals {
  if (!groups.size) return {}; // no row counts in the averages (none scored, or only localization / free-text rows)
  const layout = strata(types);
  const evaluations = [...groups.values()][0]!.length;
  // one value per summary (Avg, NQ, MCQ), then per reported type
  const statistic = (typeMean: (evaluation: number, rowType: string) => number) => {
    const each = Array.from({ length: evaluations }, (_, e) => summaries(layout, (t) => typeMean(e, t)));
    return each[0]!.map((_, k) => combine(each.map((v) => v[k]!)));
  };
  const estimate = statistic((e, t) => (groups.has(t) ? numpyMean(groups.get(t)![e]!) : Number.NaN));

  const random = createRandom(0, `bootstrap/${label}`);
  const draws = estimate.map(() => new Float64Array(BOOTSTRAP.resamples));
  for (let r = 0; r < BOOTSTRAP.resamples; r++) {
    const means = new Map<string, number[]>();
    for (const [type, columns] of groups) {
      const n = columns[0]!.length;
      const sums = new Array<number>(columns.length).fill(0);
      for (let i = 0; i < n; i++) {
        const k = random.int(n);
        for (let e = 0; e < columns.length; e++) sums[e]! += columns[e]![k]!;
      }
      means.set(type, sums.map((sum) => sum / n));
    }
    statistic((e, t) => means.get(t)?.[e] ?? Number.NaN).forEach((value, k) => (draws[k]![r] = value));
  }
  const tail = (1 - BOOTSTRAP.level) / 2;
  const interval = (k: number): Interval => {
    const sorted = draws[k]!.sort();
    return { estimate: estimate[k]!, low: quantile(sorted, tail), high: quantile(sorted, 1 - tail) };
  };
  const out: Intervals = {};
  SUMMARIES.forEach((s, k) => {
    if (!Number.isNaN(estimate[k]!)) out[s] = interval(k);
  });
  const byType = types.flatMap((t, i) => (Number.isNaN(estimate[SUMMARIES.length + i]!) ? [] : [[t.type, interval(SUMMARIES.length + i)] as const]));
  if (byType.length) out.types = Object.fromEntries(byType);
  return out;
}

/** Row types that count in the report's NQ / MCQ / Avg (localization and free-text rows do not). */
const countedTypes = (types: readonly BenchmarkScore[]) => new Set(strata(types).flatMap((t) => t.rowTypes));

/** Intervals of a report's NQ / MCQ / Avg from its scored rows; `types`: the report's per-type scores (kinds, merged levels). */
export function scoreIntervals(rows: readonly RowScore[], types: readonly BenchmarkScore[], label = ''): Intervals {
  const counted = countedTypes(types);
  const groups = new Map<string, number[][]>();
  for (const row of rows) {
    if (!counted.has(row.type)) continue;
    if (!groups.has(row.type)) groups.set(row.type, [[]]);
    groups.get(row.type)![0]!.push(row.score);
  }
  return bootstrap(types, groups, ([value]) => value!, label);
}

/** A - B with a paired interval (`pooledDifference` of one pair). */
export const pairedDifference = (a: readonly RowScore[], b: readonly RowScore[], types: readonly BenchmarkScore[], label = '') => pooledDifference([[a, b]], types, label);

/**
 * The mean over pairs of A - B (e.g. two curricula, one pair per seed, every
 * seed scored on the same rows), with an interval over the rows: each
 * resample draws one set of rows for every evaluation. Rows are matched by
 * id; a row not scored in every evaluation is left out and counted.
 * `types`: the per-type scores of the first A. Throws when a row id has
 * different question types in two evaluations (not the same benchmark rows).
 */
export function pooledDifference(pairs: readonly (readonly [readonly RowScore[], readonly RowScore[]])[], types: readonly BenchmarkScore[], label = ''): PairedDifference {
  const counted = countedTypes(types);
  const evaluations = pairs.flat();
  const byId = evaluations.map((rows) => new Map(rows.filter((r) => r.id !== undefined && counted.has(r.type)).map((r) => [r.id!, r])));
  const ids = new Set(byId.flatMap((rows) => [...rows.keys()]));
  const groups = new Map<string, number[][]>();
  let paired = 0;
  for (const id of ids) {
    const rows = byId.map((scored) => scored.get(id));
    if (rows.some((r) => !r)) continue;
    const type = rows[0]!.type;
    const other = rows.find((r) => r!.type !== type);
    if (other) throw new Error(`row ${id} is "${type}" in one evaluation and "${other.type}" in another: not the same benchmark rows`);
    if (!groups.has(type)) groups.set(type, evaluations.map(() => []));
    rows.forEach((r, e) => groups.get(type)![e]!.push(r!.score));
    paired++;
  }
  const difference = (values: number[]) => {
    let sum = 0;
    for (let p = 0; p < pairs.length; p++) sum += values[2 * p]! - values[2 * p + 1]!;
    return sum / pairs.length;
  };
  return { rows: paired, unpaired: ids.size - paired, difference: paired ? bootstrap(types, groups, difference, label) : {} };
}

/** "+2.8 (95% CI -0.6 to +6.1)"; `signed`: a difference, with its sign; `bare`: "+2.8 (-0.6 to +6.1)", for a table that names the level. */
export function intervalText(interval: Interval, { signed = false, bare = false } = {}): string {
  const f = (v: number) => {
    const text = Math.abs(v) < 0.05 ? (0).toFixed(1) : v.toFixed(1); // never "-0.0"
    return `${signed && !text.startsWith('-') ? '+' : ''}${text}`;
  };
  return `${f(interval.estimate)} (${bare ? '' : `${INTERVAL_LEVEL}% CI `}${f(interval.low)} to ${f(interval.high)})`;
}

/** Whether a difference's interval leaves out 0. */
export const beyondRowNoise = (difference: Interval) => difference.low > 0 || difference.high < 0;
