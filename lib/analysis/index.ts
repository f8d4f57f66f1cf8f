/**
 * analysis: what the analysis plugins share (not a plugin: it taps no
 * hook). Semantic entropy and its chance level, visual-attention metrics,
 * resumable batched asking, the diagnostic question set of the held-out
 * scenes, answers that do not depend on the question, paired differences of
 * runs' scores with intervals over the rows.
 */
export { semanticEntropy, expectedEntropy } from './entropy.ts';
export { meanAttention, boxCoverage, attentionIoU, uniformIoU, attentionEntropy, type ImageBox } from './attention.ts';
export { askRecorded, byTask, pointHeader, promptStyleOf, pickSamples, failures, type AskItem, type AskOptions } from './ask.ts';
export { fifthsTrend, mean } from './numbers.ts';
export { dominantAnswers, type DominantAnswer, type PredictionRow } from './answers.ts';
export { diagnosticSet } from './diagnostic.ts';
export { chanceReports } from './chance.ts';
export { pairedTables, ablationPairedTables, seedPairedTables, PAIRED_LEGEND, type ScoredEvaluation, type RunEvaluation } from './paired.ts';
