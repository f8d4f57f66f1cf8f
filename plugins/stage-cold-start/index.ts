/**
 * stage-cold-start: the `cold-start` stage kind (docs/method.md#cold-start, paper B.2
 * eq. 4). Rejection sampling: a teacher policy (any model id; default the
 * metadata teacher) writes G chain-of-thought completions per question, each
 * is scored with the stage's rewards (R = sum of weight x reward), and a
 * completion is kept only when its format is right and its accuracy is above
 * lambda (lib/training's `coldStartData` and `keeps`).
 * Then SFT on the kept completions with the thinking prompt. The kept set is
 * written to `cold-start.jsonl` in the stage directory (and reused on resume).
 */
import { definePlugin, z, type Ladder, type Stage } from '../../core/index.ts';
import { samplePrompt } from '../../lib/prompts/index.ts';
import { coldStartData, requireAttentionLoss, stageOptions, supervisedSchema, teacherSchema, trainSupervised } from '../../lib/training/index.ts';

export const PLUGIN_NAME = 'stage-cold-start';

export const coldStartOptions = z.strictObject({
  ...supervisedSchema,
  /** A new, long output format to learn in few steps: a higher rate than sft's. */
  lr: supervisedSchema.lr.default(3e-3),
  /** One pass, as the paper's SFT (Table 7). */
  epochs: supervisedSchema.epochs.default(1),
  ...teacherSchema,
  /**
   * Weight of the copy loss (0: none): where a kept completion names an
   * object the question names (its reasoning's "I see the chair."), that
   * mention is taught to attend to the question's (models whose trainer
   * `copies`, e.g. tiny-vlm; the phrases are `Sample.grounding`'s).
   */
  copy: z.number().min(0).default(0),
});

export function coldStartStage(ladder: Ladder): Stage {
  return {
    kind: 'cold-start',
    usesRewards: true,
    options: coldStartOptions,
    async run(ctx) {
      const o = stageOptions(coldStartOptions, ctx);
      if (o.copy > 0) requireAttentionLoss(ctx, 'copy', 'copies'); // before the teacher is asked
      const { kept, summary } = await coldStartData(ladder, ctx, o);
      const byId = new Map(ctx.samples.map((s) => [s.id, s]));
      const examples = kept.map((k) => {
        const sample = byId.get(k.id)!;
        const phrases = sample.grounding?.map((g) => g.phrase) ?? [];
        return { input: samplePrompt(sample, ctx.dataset.dir, o.style), completion: k.completion, ...(o.copy > 0 && phrases.length && { copy: { weight: o.copy, phrases } }) };
      });
      return trainSupervised(ctx, examples, o, summary);
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.stages.for('cold-start').tap(PLUGIN_NAME, () => coldStartStage(ladder));
  },
});
