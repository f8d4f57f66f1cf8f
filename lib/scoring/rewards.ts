/**
 * The verifiable rewards (docs/method.md#rewards), TRL style: one score per
 * completion, `completions[i]` answering `samples[i]` (a GRPO group repeats
 * its sample G times). Pure functions; the reward plugins register them.
 */
import type { Reward, Sample } from '../../core/index.ts';
import { scoreAnswer } from './answer.ts';
import { answerText, bareLetter } from './extract.ts';
import { formatScore } from './format.ts';

function paired(completions: string[], samples: Sample[], reward: string): void {
  if (completions.length !== samples.length)
    throw new Error(`reward "${reward}": ${completions.length} completions for ${samples.length} samples (they must pair up one to one)`);
}

/** 1 for exactly `<think>...</think>` then `<answer>...</answer>`, else 0 (see format.ts). */
export const formatReward: Reward = (completions, samples) => {
  paired(completions, samples, 'format');
  return completions.map(formatScore);
};

/**
 * Multiple choice: 1 when the whole answer is the right letter (the paper's
 * exact match: trimmed, case-insensitive, one trailing "." removed), else 0;
 * "B. the sofa" earns 0, where a benchmark reads its first token. Numbers:
 * mean relative accuracy. Localization samples (answer kind "boxes"): mean
 * IoU. The answer is the text inside `<answer>` when present
 * (docs/method.md#answer-extraction).
 */
export const accuracyReward: Reward = (completions, samples) => {
  paired(completions, samples, 'accuracy');
  return completions.map((completion, i) => {
    const sample = samples[i]!;
    if (sample.answerKind === 'choice') return bareLetter(answerText(completion)) === bareLetter(sample.answer) ? 1 : 0;
    return scoreAnswer(completion, sample, 'spec', `sample ${sample.id}`).score;
  });
};

/** Mean IoU on localization samples; 0 on any other sample. */
export const iouReward: Reward = (completions, samples) => {
  paired(completions, samples, 'iou');
  return completions.map((completion, i) =>
    samples[i]!.answerKind === 'boxes' ? scoreAnswer(completion, samples[i]!, 'spec', `sample ${samples[i]!.id}`).score : 0,
  );
};

export interface TotalReward {
  /** R = sum over rewards of weight x reward, per completion. */
  total: number[];
  /** Each reward's unweighted scores, for logging. */
  parts: Record<string, number[]>;
}

/**
 * The total reward R (docs/method.md#rewards: R = w_format * format + w_accuracy *
 * accuracy), over the rewards a stage receives in `ctx.rewards`.
 */
export async function totalReward(
  completions: string[],
  samples: Sample[],
  rewards: Record<string, { reward: Reward; weight: number }>,
): Promise<TotalReward> {
  const total = completions.map(() => 0);
  const parts: Record<string, number[]> = {};
  for (const [id, { reward, weight }] of Object.entries(rewards)) {
    const scores = await reward(completions, samples);
    if (scores.length !== completions.length) throw new Error(`reward "${id}" returned ${scores.length} scores for ${completions.length} completions`);
    parts[id] = scores;
    scores.forEach((score, i) => (total[i]! += weight * score));
  }
  return { total, parts };
}
