/** Option schemas shared by the training stages, and their validation with errors naming the stage. */
import { parseStageOptions, z, type StageContext } from '../../core/index.ts';
import type { PromptStyle } from '../prompts/index.ts';

/** How a stage prompts (lib/prompts): "plain", "direct" or "think". */
export const promptStyleSchema = z.enum(['plain', 'direct', 'think']) satisfies z.ZodType<PromptStyle>;

export const optimizerSchema = {
  lr: z.number().positive(),
  warmupRatio: z.number().min(0).max(1).default(0.1),
  weightDecay: z.number().min(0).default(0),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  maxGradNorm: z.number().min(0).default(1),
};

export const checkpointSchema = {
  // a checkpoint (weights, optimizer state, history) takes about 0.15 s for tiny-vlm; every
  // 200 steps loses at most about half a minute of the default stages on a crash
  checkpointEvery: z.number().int().min(0).default(200),
  keepCheckpoints: z.number().int().min(1).default(2),
};

/** Options of the supervised loop (sft, cold-start); the learning rate is set per stage (see the stages' READMEs). */
export const supervisedSchema = {
  ...optimizerSchema,
  lr: optimizerSchema.lr.default(3e-4),
  ...checkpointSchema,
  epochs: z.number().int().positive().default(3),
  batchSize: z.number().int().positive().default(8),
  gradAccum: z.number().int().positive().default(1),
  maxSteps: z.number().int().min(0).default(0),
};

/** Parse `ctx.entry.options`; errors read `curriculum stage "<name>" (<kind>): options.<key>: ...`. */
export const stageOptions = <S extends z.ZodType>(schema: S, ctx: StageContext): z.output<S> => parseStageOptions(schema, ctx.entry);

/** The `sft` stages' `mirror` option (lib/training/mirror.ts). */
export const mirrorSchema = {
  /** Train on a left-right mirrored twin of every localization sample too (image and boxes flipped). */
  mirror: z.boolean().default(false),
};
