/**
 * Chance levels: what the `chance` policy (model-chance) scores in
 * expectation. Multiple choice: a uniform letter, so 1 / (number of
 * options). Numbers: truth x u with u uniform in [0, 2), so the relative
 * error e = |u - 1| is uniform in [0, 1) and the MRA is the number of
 * thresholds t with e <= 1 - t, over ten. Boxes: for each ground-truth label
 * one box whose corners are drawn uniformly over the frame (`chanceBoxes`);
 * its expected IoU has no closed form, so `chanceOutcomes` estimates it from
 * 256 seeded draws.
 */
import { createRandom, type Box2D, type Random } from '../../core/index.ts';
import type { AnswerKey } from './answer.ts';
import { imageSizeOf, localizationScore, truthBoxes, type ImageSize, type LabeledBox } from './iou.ts';
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

/**
 * A chance answer to a localization question: one box per ground-truth
 * label, x1 < x2 and y1 < y2 each the sorted pair of two uniform draws over
 * the frame (the image size the facts record, else the smallest frame that
 * holds every ground-truth box). Against a box filling the frame it scores
 * 1/9 in expectation (each side spans a third of the frame on average).
 */
export function chanceBoxes(key: AnswerKey, random: Random, where = 'answer'): string {
  const truth = truthBoxes(key.answer, where);
  return randomBoxes(truth, frameOf(truth, key.facts), random);
}

/** The image the boxes refer to: the size the facts record, else the smallest frame holding every ground-truth box. */
const frameOf = (truth: readonly LabeledBox[], facts: AnswerKey['facts']): ImageSize =>
  imageSizeOf(facts) ?? { width: Math.max(...truth.map((t) => t.box[2])), height: Math.max(...truth.map((t) => t.box[3])) };

/** One box per ground-truth label, corners uniform over the frame, as grounding JSON. */
function randomBoxes(truth: readonly LabeledBox[], frame: ImageSize, random: Random): string {
  const span = (extent: number) => [random.next() * extent, random.next() * extent].sort((a, b) => a - b).map((v) => Math.round(v));
  return JSON.stringify(
    truth.map(({ label }) => {
      const [x1, x2] = span(frame.width);
      const [y1, y2] = span(frame.height);
      return { bbox_2d: [x1, y1, x2, y2] as Box2D, label };
    }),
  );
}

const BOX_DRAWS = 256;

/** The distribution of a chance answer's accuracy reward on one question (boxes: 256 seeded draws, equally likely). */
export function chanceOutcomes(key: AnswerKey): readonly ChanceOutcome[] {
  if (key.answerKind === 'choice') {
    const k = key.options?.length ?? 0;
    return k ? [{ reward: 1, p: 1 / k }, { reward: 0, p: 1 - 1 / k }] : [{ reward: 0, p: 1 }];
  }
  if (key.answerKind === 'number') return NUMERIC;
  if (key.answerKind === 'boxes') {
    const random = createRandom(0, `chance-boxes:${key.answer}`);
    const truth = truthBoxes(key.answer, 'chance');
    const frame = frameOf(truth, key.facts);
    const size = imageSizeOf(key.facts);
    return Array.from({ length: BOX_DRAWS }, () => ({ reward: localizationScore(randomBoxes(truth, frame, random), truth, size), p: 1 / BOX_DRAWS }));
  }
  return [{ reward: 0, p: 1 }];
}

/** The expected score of a chance answer, in [0, 1] (0.25 for four options, 0.275 for any number, about 0.11 for a box filling the frame). */
export const chanceScore = (key: AnswerKey): number => chanceOutcomes(key).reduce((s, o) => s + o.reward * o.p, 0);
