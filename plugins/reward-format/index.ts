/**
 * reward-format: the format reward "format" (paper eq. 5; docs/method.md#rewards):
 * 1 when a completion is exactly `<think>...</think>` then
 * `<answer>...</answer>` (whitespace allowed between), else 0.
 *
 *   rewards: { format: 1, accuracy: 1 }   // R = 1 x format + 1 x accuracy
 */
import { definePlugin } from '../../core/index.ts';
import { formatReward } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'reward-format';
export const REWARD_ID = 'format';

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.rewards.for(REWARD_ID).tap(PLUGIN_NAME, () => formatReward);
  },
});
