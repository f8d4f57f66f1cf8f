/**
 * reward-accuracy: the accuracy reward "accuracy" (docs/method.md#rewards, paper
 * eq. 6-7): multiple choice 1 for the right letter, numbers the mean relative
 * accuracy, localization samples the mean IoU; the answer is read from
 * `<answer>` when present (docs/method.md#answer-extraction).
 */
import { definePlugin } from '../../core/index.ts';
import { accuracyReward } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'reward-accuracy';
export const REWARD_ID = 'accuracy';

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.rewards.for(REWARD_ID).tap(PLUGIN_NAME, () => accuracyReward);
  },
});
