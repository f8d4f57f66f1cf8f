/**
 * model-oracle: the "oracle" policy answers every question with its ground
 * truth (read from `PolicyInput.reference`), so every benchmark must score
 * exactly 100 with it: a check of the benchmark's scoring, not of a model.
 *
 *   ladder eval --model oracle --benchmark spbench-si
 */
import { contentHash, definePlugin, stableJson, z, type Policy } from '../../core/index.ts';
import { referenceOf } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'model-oracle';
export const MODEL_ID = 'oracle';

const options = z.strictObject({
  /** Wrap answers as `<think>...</think><answer>...</answer>` (scores the format reward too). */
  think: z.boolean().default(false),
});

export function createOracle({ think }: { think: boolean }): Policy {
  return {
    id: MODEL_ID,
    fingerprint: () => contentHash(stableJson({ id: MODEL_ID, think })),
    async generate(inputs, sampling) {
      return inputs.map((input) => {
        const { answer } = referenceOf(input, MODEL_ID);
        const text = think ? `<think>The ground truth is known.</think><answer>${answer}</answer>` : answer;
        return Array.from({ length: sampling.n ?? 1 }, () => ({ text }));
      });
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options,
  apply(ladder, defaults) {
    ladder.hooks.models.for(MODEL_ID).tap(PLUGIN_NAME, () => ({
      id: MODEL_ID,
      create: async (given) => createOracle(ladder.validate(options, { ...defaults, ...given }, 'model.options')),
    }));
  },
});
