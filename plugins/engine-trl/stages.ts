/**
 * The `trl` engine's stage kinds: `sft` and `cold-start` (TRL's SFTTrainer)
 * here, `grpo` in grpo.ts; runTrl (run.ts) runs each. The cold start's
 * teacher sampling and keep rule run in the framework (lib/training's
 * coldStartData), exactly as in the embedded engine; only the SFT on the kept
 * completions runs on TRL.
 */
import { LadderError, z, type Ladder, type Stage } from '../../core/index.ts';
import { trlRow } from '../../lib/formats/index.ts';
import { supervisedStyle } from '../../lib/prompts/index.ts';
import { coldStartData, mirrorSchema, promptStyleSchema, stageOptions, teacherSchema, withMirrored } from '../../lib/training/index.ts';
import { grpoStage } from './grpo.ts';
import type { AccelerateSettings } from './launch.ts';
import { runTrl, trainingArguments, trlSchema, type TrlCommon } from './run.ts';

export const trlSftOptions = z.strictObject({
  ...trlSchema,
  /** Prompt style; default plain for localization alone (stage 1), else direct. */
  style: promptStyleSchema.optional(),
  /** Tokens per example at most (images included); default: no truncation (cut image tokens break the batch). */
  maxLength: z.number().int().positive().optional(),
  ...mirrorSchema,
});

export const trlColdStartOptions = z.strictObject({
  ...trlSchema,
  ...teacherSchema,
  maxLength: z.number().int().positive().optional(),
});

const sftArguments = (o: TrlCommon & { maxLength?: number }, seed: number) => ({ ...trainingArguments(o, seed), max_length: o.maxLength ?? null });

export function trlStages(ladder: Ladder, accelerate: AccelerateSettings): Record<string, Stage> {
  const settings = (o: { accelerate?: Partial<AccelerateSettings> }): AccelerateSettings => ({ ...accelerate, ...o.accelerate });
  return {
    grpo: grpoStage(settings),
    sft: {
      kind: 'sft',
      options: trlSftOptions,
      async run(ctx) {
        const o = stageOptions(trlSftOptions, ctx);
        const style = o.style ?? supervisedStyle(ctx.samples);
        const samples = o.mirror ? await withMirrored(ctx) : ctx.samples;
        const rows = samples.map((s) => trlRow(s, { style, completion: s.answer, imageRoot: ctx.dataset.dir }));
        return runTrl(ctx, settings(o), { kind: 'sft', rows, style, options: o, arguments: sftArguments(o, ctx.seed) });
      },
    },
    'cold-start': {
      kind: 'cold-start',
      usesRewards: true,
      options: trlColdStartOptions,
      async run(ctx) {
        const o = stageOptions(trlColdStartOptions, ctx);
        const { kept, summary } = await coldStartData(ladder, ctx, o);
        const byId = new Map(ctx.samples.map((s) => [s.id, s]));
        const rows = kept.map((k) => trlRow(byId.get(k.id)!, { style: o.style, completion: k.completion, imageRoot: ctx.dataset.dir }));
        if (!rows.length) throw new LadderError(`stage "${ctx.entry.name}": the teacher's completions were all rejected (R > 1 + ${o.lambda}): nothing to fine-tune on`);
        return runTrl(ctx, settings(o), { kind: 'sft', rows, style: o.style, options: o, arguments: sftArguments(o, ctx.seed), extra: summary });
      },
    },
  };
}
