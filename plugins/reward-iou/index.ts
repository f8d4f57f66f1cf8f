/**
 * reward-iou: the localization reward "iou": mean IoU of predicted boxes
 * matched to the ground truth by label, on localization samples (answer kind
 * "boxes"); 0 on other samples.
 *
 *   rewards: { format: 1, iou: 1 }
 */
import { definePlugin } from '../../core/index.ts';
import { iouReward } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'reward-iou';
export const REWARD_ID = 'iou';

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.rewards.for(REWARD_ID).tap(PLUGIN_NAME, () => iouReward);
  },
});
