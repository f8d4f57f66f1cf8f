/**
 * scoring: a library shared by the reward and benchmark plugins (not a
 * plugin itself: it taps no hook). Answer extraction, mean relative
 * accuracy, the format check, localization IoU, per-type aggregation and the
 * resumable, batched evaluation loop. See README.md for every rule and every
 * difference from the reference evaluators.
 */
export { MRA_THRESHOLDS, meanRelativeAccuracy } from './mra.ts';
export { pythonFloat, pythonStrip, pythonSum, numpySum, numpyMean } from './python-numerics.ts';
export {
  answerText,
  choiceCorrect,
  extractChoice,
  extractNumber,
  optionLetters,
  vsiBenchToken,
  EXTRACTION_MODES,
  type ExtractionMode,
} from './extract.ts';
export { formatScore } from './format.ts';
export { boxIoU, parseBoxes, localizationScore, truthBoxes, imageSizeOf, type LabeledBox, type ImageSize } from './iou.ts';
export { scoreAnswer, numericTruth, wordF1, type AnswerKey, type ScoredAnswer } from './answer.ts';
export { chanceBoxes, chanceOutcomes, chanceScore, type ChanceOutcome } from './chance.ts';
export { formatReward, accuracyReward, iouReward, totalReward, type TotalReward } from './rewards.ts';
export { aggregateScores, VSI_LAYOUT, type ScoredRow, type ScoreKind, type TypeLayout } from './aggregate.ts';
export { BOOTSTRAP, scoreIntervals, pairedDifference, pooledDifference, intervalText, beyondRowNoise, type Interval, type Intervals, type RowScore, type PairedDifference } from './bootstrap.ts';
export { resolveInside, resolveImage, resolveVideo, symlinksOption, type SymlinkPolicy } from './media-path.ts';
export {
  readParquetTable,
  parquetIn,
  parseQuestionRow,
  parquetItems,
  QUESTION_TYPES,
  type ParquetTable,
  type QuestionRow,
  type RowProblem,
} from './parquet-rows.ts';
export { swapPartners, type SwappableRow } from './swap.ts';
export { evaluateRows, storedCompletionLimit, type EvalRow, type EvaluationSettings } from './evaluate.ts';
export type { EvaluationIdentity } from './eval-identity.ts';
export { checkReproduction, evaluationOptions, frameOptions, evaluationSettings, frameCacheDir, reproduce, REPRODUCTIONS, type Reproduction } from './options.ts';
export { referenceOf } from './reference.ts';
