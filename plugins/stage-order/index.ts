/**
 * stage-order: rewrites the curriculum on the `curriculum` waterfall, the way
 * the paper's ablations do: drop stages, keep an explicit order, or train
 * several stages' data jointly (a mixed stage).
 *
 *   ['stage-order', { drop: ['perception'] }]                      without stage 1
 *   ['stage-order', { mix: [['perception', 'understanding']] }]    mixed (1+2) -> 3
 *   ['stage-order', { order: ['understanding', 'perception'] }]    any order
 */
import { definePlugin, mixStages, orderStages, z } from '../../core/index.ts';

const PLUGIN_NAME = 'stage-order';

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Stage names to remove. */
    drop: z.array(z.string()).default([]),
    /** Groups of stage names, each replaced by one stage training on their data jointly. */
    mix: z.array(z.array(z.string()).min(2)).default([]),
    /** The stages to keep, in this order (after drop and mix; a mixed stage is named "a+b"). */
    order: z.array(z.string()).optional(),
  }),
  apply(ladder, { drop, mix, order }) {
    ladder.hooks.curriculum.tap(PLUGIN_NAME, (stages) => {
      let out = stages.filter((s) => !drop.includes(s.name));
      for (const group of mix) out = mixStages(out, group);
      return order ? orderStages(out, order) : out;
    });
  },
});
