/**
 * model-prior: the "prior" policy answers every question from the training
 * split's answers to the same question, never from its images: how much the
 * question alone gives away. A reference beside `chance` (which knows nothing)
 * and a checkpoint's blind control (what that checkpoint answers unseeing).
 *
 * - Numbers: the training answer that scores best (mean relative accuracy)
 *   against every training answer to the same question: a category's usual
 *   size or count, a pair's usual distance, the usual room.
 * - Multiple choice: the option whose text was most often right for the same
 *   question and option set, found among the row's options.
 * - Localization: each named object (the labels of the truth) in its
 *   category's mean training box.
 * - Free text (captions): an empty answer (word F1 0).
 *
 * "The same question" is one of three keys, from the most specific to the
 * least: task, modality and question text (with the option texts); task and
 * question text; the task's pooled answers (its best number, its most
 * frequent letter, the mean box of all objects). Each task starts at the key
 * that best answers training rooms left out of the lookup (`keyLevels`,
 * scene-wise cross-validation), and falls back to a less specific key where
 * its key has no answers. It answers the rows of the run's own dataset (the
 * held-out, validation and training benchmarks), found by row id.
 *
 *   ladder eval --model prior -b held-out
 */
import { contentHash, definePlugin, type Box2D, type Dataset, type Policy, type Sample } from '../../core/index.ts';
import { meanRelativeAccuracy, referenceOf, scoreAnswer, truthBoxes } from '../../lib/scoring/index.ts';
import { optionTexts } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'model-prior';
export const MODEL_ID = 'prior';
/** Bumped whenever an answer rule changes, so saved predictions of the old rule are not reused. */
const RULES_VERSION = 2;

function mostFrequent<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  for (const [value, count] of counts) if (best === undefined || count > counts.get(best)!) best = value;
  return best;
}

/** The value among `answers` with the best total mean relative accuracy against all of them (the first on a tie). */
export function bestNumber(answers: readonly number[]): number {
  let best = answers[0]!;
  let bestScore = -1;
  for (const candidate of new Set(answers)) {
    const score = answers.reduce((sum, truth) => sum + meanRelativeAccuracy(candidate, truth), 0);
    if (score > bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

/** Each category's mean training box, rounded, and under '*' the mean of all. */
export function categoryBoxes(samples: readonly Sample[]): Map<string, Box2D> {
  const sums = new Map<string, number[]>();
  const add = (key: string, box: Box2D) => {
    const sum = sums.get(key) ?? [0, 0, 0, 0, 0];
    box.forEach((v, i) => (sum[i]! += v));
    sum[4]! += 1;
    sums.set(key, sum);
  };
  for (const sample of samples)
    if (sample.answerKind === 'boxes')
      for (const { label, box } of truthBoxes(sample.answer, sample.id)) {
        add(label, box);
        add('*', box);
      }
  return new Map([...sums].map(([key, sum]) => [key, sum.slice(0, 4).map((v) => Math.round(v / sum[4]!)) as Box2D]));
}

/** The lookup keys of a sample, from the most specific (task, modality, question, option texts) to the task alone. */
function keysOf(s: Sample): string[] {
  const options = optionTexts(s.options ?? []).sort().join('|');
  return [`${s.task}|${s.modality}|${s.question}|${options}`, `${s.task}|${s.question}|${options}`, s.task];
}

/** Answers from `train`, looking a sample up from key `level` of `keysOf` onwards (less specific keys when a key has no answers). */
function lookupTable(train: readonly Sample[]): (sample: Sample, level: number) => string {
  const groups = new Map<string, Sample[]>();
  for (const s of train)
    for (const key of keysOf(s)) {
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(s);
    }
  let boxes: Map<string, Box2D> | undefined; // built on the first localization row (the cross-validation asks none)
  const numbers = new Map<string, string>(); // key -> answer (bestNumber is quadratic)
  return (sample, level) => {
    if (sample.answerKind === 'boxes') {
      const mean = (boxes ??= categoryBoxes(train));
      const named = truthBoxes(sample.answer, sample.id).map(({ label }) => ({ bbox_2d: mean.get(label) ?? mean.get('*') ?? [0, 0, 0, 0], label }));
      return JSON.stringify(named);
    }
    if (sample.answerKind === 'text') return '';
    const found = keysOf(sample)
      .slice(level)
      .map((key) => [key, groups.get(key)] as const);
    if (sample.answerKind === 'number') {
      const [key, same] = found.find(([, rows]) => rows) ?? [];
      if (!key || !same) throw new Error(`prior: no training answers to a ${sample.task} question (row ${sample.id})`);
      if (!numbers.has(key)) numbers.set(key, String(bestNumber(same.map((s) => Number(s.answer)))));
      return numbers.get(key)!;
    }
    const options = optionTexts(sample.options ?? []);
    for (const [key, same] of found) {
      if (!same) continue;
      if (key === sample.task) return mostFrequent(same.map((s) => s.answer))!; // the task's most frequent letter
      const text = mostFrequent(same.map((s) => optionTexts(s.options!)[s.answer.charCodeAt(0) - 65] ?? ''));
      if (text !== undefined && options.includes(text)) return String.fromCharCode(65 + options.indexOf(text));
    }
    throw new Error(`prior: no training answers to a ${sample.task} question (row ${sample.id})`);
  };
}

/** Folds of the cross-validation that chooses each task's key (training scenes dealt round-robin). */
export const PRIOR_FOLDS = 5;

/**
 * Per task (numbers and choices), the key level that best answers training
 * rooms the table was not built from: the training scenes are dealt into
 * `folds` folds, each fold answered from the others at every level, and the
 * level with the best total score wins (the most specific on a tie). A
 * question asked in a room or two (a pair's distance) overfits its own
 * answers; a category's size does not. Tasks of one scene keep the most
 * specific key, and so does `folds` below 2.
 */
export function keyLevels(train: readonly Sample[], folds = PRIOR_FOLDS): Map<string, number> {
  const scenes = [...new Set(train.map((s) => s.scene ?? ''))].sort();
  if (scenes.length < 2 || folds < 2) return new Map();
  const foldOf = new Map(scenes.map((scene, i) => [scene, i % folds]));
  const totals = new Map<string, number[]>(); // task -> total score per level
  for (let fold = 0; fold < Math.min(folds, scenes.length); fold++) {
    const answer = lookupTable(train.filter((s) => foldOf.get(s.scene ?? '') !== fold));
    for (const s of train) {
      if (foldOf.get(s.scene ?? '') !== fold || (s.answerKind !== 'number' && s.answerKind !== 'choice')) continue;
      const total = totals.get(s.task) ?? [0, 0, 0];
      totals.set(s.task, total);
      for (let level = 0; level < total.length; level++) {
        let prediction: string;
        try {
          prediction = answer(s, level);
        } catch {
          continue; // the task has no answers outside this fold: no level scores the row
        }
        total[level]! += scoreAnswer(prediction, s, 'spec', s.id).score;
      }
    }
  }
  return new Map([...totals].map(([task, total]) => [task, total.indexOf(Math.max(...total))]));
}

/** Sample -> the prior's answer, learnt from `train` (the training split's samples), each task at its cross-validated key level. */
export function answerPrior(train: readonly Sample[], folds = PRIOR_FOLDS): (sample: Sample) => string {
  const levels = keyLevels(train, folds);
  const answer = lookupTable(train);
  return (sample) => answer(sample, levels.get(sample.task) ?? 0);
}

export function createPrior(dataset: Dataset): Policy {
  const train = dataset.samples.filter((s) => (s.split ?? 'train') === 'train');
  const byId = new Map(dataset.samples.map((s) => [s.id, s]));
  const answer = answerPrior(train);
  return {
    id: MODEL_ID,
    // answers depend only on the dataset (its content hash) and the rules
    fingerprint: () => contentHash(`${MODEL_ID}:${RULES_VERSION}:${dataset.manifest.hash ?? dataset.dir}`),
    async generate(inputs, sampling) {
      return inputs.map((input) => {
        const { id } = referenceOf(input, MODEL_ID);
        const sample = byId.get(id);
        if (!sample) throw new Error(`prior: row ${id} is not a sample of the dataset in ${dataset.dir} (the prior answers the run's own benchmarks: held-out, validation, training)`);
        const text = answer(sample);
        return Array.from({ length: sampling.n ?? 1 }, () => ({ text }));
      });
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.models.for(MODEL_ID).tap(PLUGIN_NAME, () => ({
      id: MODEL_ID,
      datasetRowsOnly: true,
      create: async (_options, ctx) => {
        if (!ctx.dataset) throw new Error('prior: no dataset was passed (it answers from the training split of the run\'s dataset; evaluate it on held-out, validation or training)');
        return createPrior(ctx.dataset);
      },
    }));
  },
});
