/**
 * stage-sft: the `sft` stage kind (curriculum stages 1 and 2; docs/method.md#supervised-fine-tuning):
 * supervised fine-tuning on each selected sample's prompt -> answer, loss on
 * the answer tokens only.
 */
import { definePlugin, z, type Stage } from '../../core/index.ts';
import { samplePrompt, supervisedStyle } from '../../lib/prompts/index.ts';
import { mirrorSchema, promptStyleSchema, requireAttentionLoss, stageOptions, supervisedSchema, trainSupervised, withMirrored } from '../../lib/training/index.ts';

export const PLUGIN_NAME = 'stage-sft';

/**
 * Defaults: the paper's recipe (cosine, warmup 0.1, effective batch 8, clip 1)
 * with a learning rate for a model trained from scratch, 3e-4 (the paper's
 * 1e-5 fine-tunes a pretrained 3B model). Higher rates fit stage 2's
 * one-token answers faster but collapse a from-scratch model onto the answer
 * prior (hidden states of all positions align), after which the cold start
 * cannot learn its format (measured during development; plugins/stage-sft/README.md).
 */
export const sftOptions = z.strictObject({
  ...supervisedSchema,
  /** Prompt style (lib/prompts): "plain" for localization, "direct" for answers, "think" for CoT. */
  style: promptStyleSchema.optional(),
  /**
   * Weight of the grounding loss (0: none): each object the question names
   * is taught to attend to where it shows in the images (`Sample.grounding`;
   * models whose trainer `grounds`, e.g. tiny-vlm).
   */
  grounding: z.number().min(0).default(0),
  ...mirrorSchema,
});

export const sftStage: Stage = {
  kind: 'sft',
  options: sftOptions,
  async run(ctx) {
    const options = stageOptions(sftOptions, ctx);
    const style = options.style ?? supervisedStyle(ctx.samples);
    const weight = options.grounding;
    if (weight > 0) requireAttentionLoss(ctx, 'grounding', 'grounds');
    const samples = options.mirror ? await withMirrored(ctx) : ctx.samples;
    const examples = samples.map((sample) => ({
      input: samplePrompt(sample, ctx.dataset.dir, style),
      completion: sample.answer,
      ...(weight > 0 && sample.grounding && { grounding: { weight, phrases: sample.grounding } }),
    }));
    return trainSupervised(ctx, examples, { ...options, style });
  },
};

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.stages.for('sft').tap(PLUGIN_NAME, () => sftStage);
  },
});
