/**
 * Format and accuracy rewards written for the training tests (docs/method.md#rewards),
 * as real `Reward` functions. The project's reward plugins live elsewhere;
 * these follow the same rules so stage tests need no other plugin.
 */
import type { Reward } from '../../core/index.ts';

const FORMAT = /^\s*<think>((?:(?!<\/?think>|<\/?answer>)[\s\S])*)<\/think>\s*<answer>((?:(?!<\/?think>|<\/?answer>)[\s\S])*)<\/answer>\s*$/;

export const formatReward: Reward = (completions) => completions.map((c) => (FORMAT.test(c) ? 1 : 0));

const THRESHOLDS = Array.from({ length: 10 }, (_, i) => (i === 9 ? 0.95 : i * ((0.95 - 0.5) / 9) + 0.5));

export const accuracyReward: Reward = (completions, samples) =>
  completions.map((c, i) => {
    const sample = samples[i]!;
    const answer = (/<answer>([\s\S]*?)<\/answer>/.exec(c)?.[1] ?? c).trim();
    if (sample.answerKind === 'choice') return answer.replace(/\.$/, '').toUpperCase() === sample.answer.toUpperCase() ? 1 : 0;
    if (sample.answerKind === 'number') {
      const pred = Number(/-?\d+(?:\.\d+)?/.exec(answer)?.[0]);
      const gt = Number(sample.answer);
      if (!Number.isFinite(pred)) return 0;
      return THRESHOLDS.filter((t) => Math.abs(pred - gt) / gt <= 1 - t).length / THRESHOLDS.length;
    }
    return answer === sample.answer ? 1 : 0;
  });

export const REWARDS = { format: { reward: formatReward, weight: 1 }, accuracy: { reward: accuracyReward, weight: 1 } };
