/**
 * Scoring one completion against what the evaluator knows about its row or
 * sample: multiple choice by exact letter match, numbers by mean relative
 * accuracy, boxes by localization IoU, free text (captions) by word F1.
 * Rewards and benchmarks share it.
 */
import type { AnswerKind } from '../../core/index.ts';
import { answerText, choiceCorrect, extractChoice, extractNumber, optionLetters, type ExtractionMode } from './extract.ts';
import { imageSizeOf, localizationScore, parseBoxes, truthBoxes } from './iou.ts';
import { meanRelativeAccuracy } from './mra.ts';
import { pythonFloat } from './python-numerics.ts';

/** The ground truth of a row or sample (a `Sample` and a `PolicyReference` both fit). */
export interface AnswerKey {
  answer: string;
  answerKind: AnswerKind;
  options?: string[];
  facts?: Record<string, unknown>;
}

export interface ScoredAnswer {
  /** The extracted letter or number; null when nothing could be extracted (always null for boxes). */
  extracted: string | number | null;
  /** 0..1 */
  score: number;
  /** Boxes only: the completion is grounding JSON (a list of `{bbox_2d, label}`, each well formed). */
  valid?: boolean;
}

/** A numeric ground truth, parsed as Python's float() would; throws (naming `where`) when it is not a finite number. */
export function numericTruth(answer: string, where: string): number {
  const value = pythonFloat(answer);
  if (value === null || !Number.isFinite(value)) throw new Error(`${where}: ground truth ${JSON.stringify(answer)} is not a number`);
  return value;
}

/** Score a completion. Throws only when the key itself is malformed; `where` names it in the message. */
export function scoreAnswer(completion: string, key: AnswerKey, mode: ExtractionMode = 'spec', where = 'answer'): ScoredAnswer {
  switch (key.answerKind) {
    case 'choice': {
      const extracted = extractChoice(completion, mode, optionLetters(key.options));
      return { extracted, score: choiceCorrect(extracted, key.answer, mode) ? 1 : 0 };
    }
    case 'number': {
      const truth = numericTruth(key.answer, where);
      const extracted = extractNumber(completion, mode);
      return { extracted, score: meanRelativeAccuracy(extracted, truth) };
    }
    case 'boxes': {
      const score = localizationScore(completion, truthBoxes(key.answer, where), imageSizeOf(key.facts));
      return { extracted: null, score, valid: parseBoxes(completion)?.every((box) => box !== null) ?? false };
    }
    case 'text':
      return { extracted: null, score: wordF1(answerText(completion), key.answer) };
    default:
      throw new Error(`${where}: unknown answer kind ${JSON.stringify(key.answerKind)}`);
  }
}

/** Lower-case words (letters and digits) of a text without the articles, as a bag. */
const words = (text: string) => (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w !== 'a' && w !== 'an' && w !== 'the');

/**
 * F1 of the predicted words against the reference's, counted as bags after
 * lower-casing and dropping punctuation and articles (SQuAD's token F1): 1
 * for the same words in any order, 0 when none is shared or either text has
 * none.
 */
export function wordF1(prediction: string, reference: string): number {
  const predicted = words(prediction);
  const truth = words(reference);
  if (!predicted.length || !truth.length) return 0;
  const left = new Map<string, number>();
  for (const w of truth) left.set(w, (left.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of predicted) {
    const n = left.get(w) ?? 0;
    if (n > 0) {
      common++;
      left.set(w, n - 1);
    }
  }
  if (!common) return 0;
  const precision = common / predicted.length;
  const recall = common / truth.length;
  return (2 * precision * recall) / (precision + recall);
}
