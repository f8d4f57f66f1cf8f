/**
 * A custom reward: prefers completions whose reasoning is near a target length.
 * Register it, then weigh it in the config: `rewards: { format: 1, accuracy: 1, length: 0.2 }`.
 */
import { definePlugin, z } from 'spatial-ladder';

const PLUGIN_NAME = 'length-reward';
const thinking = (completion: string) => /<think>([\s\S]*?)<\/think>/.exec(completion)?.[1] ?? '';

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({ target: z.number().int().positive().default(200) }),
  apply(ladder, { target }) {
    ladder.hooks.rewards.for('length').tap(PLUGIN_NAME, () => (completions) =>
      completions.map((c) => Math.exp(-Math.abs(thinking(c).length - target) / target)),
    );
  },
});
