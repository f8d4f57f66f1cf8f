/**
 * Chance levels: what the `chance` policy (model-chance) scores in
 * expectation. Multiple choice: a uniform letter, so 1 / (number of
 * options). Numbers: truth x u with u uniform in [0, 2), so the relative
 * error e = |u - 1| is uniform in [0, 1) and the MRA is the number of
 * thresholds t with e <= 1 - t, over ten. Boxes: no box, IoU 0.
 */
import type { AnswerKey } from './answer.ts';
import { MRA_THRESHOLDS } from './mra.ts';

/** One possible accuracy reward of a chance answer and its probability. */
export interface ChanceOutcome {
  reward: number;
  p: number;
}

/**
 * MRA of a chance number: e in [0, b_0] meets all ten thresholds, e in
 * (b_{k-1}, b_k] meets 10 - k, e > b_9 none (b: the ten 1 - t, ascending).
 */
const NUMERIC: readonly ChanceOutcome[] = (() => {
  const bounds = MRA_THRESHOLDS.map((t) => 1 - t).sort((a, b) => a - b);
  const n = bounds.length;
  return [
    { reward: 1, p: bounds[0]! },
    ...bounds.slice(1).map((b, k) => ({ reward: (n - 1 - k) / n, p: b - bounds[k]! })),
    { reward: 0, p: 1 - bounds[n - 1]! },
  ];
})();

/** The distribution of a chance answer's accuracy reward on one question. */
export function chanceOutcomes(key: AnswerKey): readonly ChanceOutcome[] {
  if (key.answerKind === 'choice') {
    const k = key.options?.length ?? 0;
    return k ? [{ reward: 1, p: 1 / k }, { reward: 0, p: 1 - 1 / k }] : [{ reward: 0, p: 1 }];
  }
  if (key.answerKind === 'number') return NUMERIC;
  return [{ reward: 0, p: 1 }];
}

/** The expected score of a chance answer, in [0, 1] (0.25 for four options, 0.275 for any number). */
export const chanceScore = (key: AnswerKey): number => chanceOutcomes(key).reduce((s, o) => s + o.reward * o.p, 0);
