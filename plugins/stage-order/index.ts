/**
 * stage-order: rewrites the curriculum on the `curriculum` waterfall, the way
 * the paper's ablations do: drop stages, keep an explicit order, or train
 * several stages' data jointly (a mixed stage).
 *
 *   ['stage-order', { drop: ['perception'] }]                      without stage 1
 *   ['stage-order', { mix: [['perception', 'understanding']] }]    mixed (1+2) -> 3
 *   ['stage-order', { order: ['understanding', 'perception'] }]    any order
 */
import { applyVariant, definePlugin, variantSchema } from '../../core/index.ts';

const PLUGIN_NAME = 'stage-order';

export default definePlugin({
  name: PLUGIN_NAME,
  options: variantSchema,
  apply(ladder, variant) {
    ladder.hooks.curriculum.tap(PLUGIN_NAME, (stages) => applyVariant(stages, variant));
  },
});
