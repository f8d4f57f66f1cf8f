/**
 * The `trl` engine's `grpo` stage: TRL's GRPOTrainer, rewarded by the
 * framework's reward plugins. For the length of the stage the reward server
 * (lib/reward-server) serves the stage's rewards and weights on 127.0.0.1
 * (an ephemeral port, a random bearer token); the runner's reward functions
 * (runner/ladder_rewards.py, one per reward id, unweighted, the weights in
 * GRPOConfig.reward_weights so TRL logs each) send it each batch's
 * completions with the rows' `sample` column.
 */
import { randomBytes } from 'node:crypto';
import { LadderError, z, type Stage } from '../../core/index.ts';
import { trlRow } from '../../lib/formats/index.ts';
import { startRewardServer } from '../../lib/reward-server/index.ts';
import { promptStyleSchema, stageOptions } from '../../lib/training/index.ts';
import type { AccelerateSettings } from './launch.ts';
import { runTrl, trainingArguments, trlSchema } from './run.ts';

/**
 * GRPO (paper Table 8): G = 8, beta = 0.01, batch 2 x accumulation 4 per GPU.
 * `batchSize` counts completions per process per forward pass, as TRL does:
 * an optimizer step sees batchSize x gradAccum x processes completions, that
 * divided by G questions.
 */
export const trlGrpoOptions = z.strictObject({
  ...trlSchema,
  /** VLM-R1's default rate (the paper does not state its stage-3 rate). */
  lr: z.number().positive().default(1e-6),
  warmupRatio: z.number().min(0).max(1).default(0),
  batchSize: z.number().int().positive().default(2),
  gradAccum: z.number().int().positive().default(4),
  generations: z.number().int().min(2).default(8),
  beta: z.number().min(0).default(0.01),
  epsilon: z.number().positive().default(0.2),
  /** Optimizer steps per batch of rollouts (mu). */
  iterations: z.number().int().positive().default(1),
  /** Completion tokens at most (max_completion_length). */
  maxTokens: z.number().int().positive().default(1024),
  temperature: z.number().positive().default(1),
  topP: z.number().gt(0).max(1).default(1),
  style: promptStyleSchema.default('think'),
});

export function grpoStage(accelerate: (o: { accelerate?: Partial<AccelerateSettings> }) => AccelerateSettings): Stage {
  return {
    kind: 'grpo',
    usesRewards: true,
    options: trlGrpoOptions,
    async run(ctx) {
      const o = stageOptions(trlGrpoOptions, ctx);
      const ids = Object.keys(ctx.rewards);
      if (!ids.length) throw new LadderError(`stage "${ctx.entry.name}": GRPO needs at least one reward (config \`rewards\`)`);
      const settings = accelerate(o);
      const world = settings.numProcesses * settings.numMachines;
      if ((o.batchSize * o.gradAccum * world) % o.generations !== 0)
        throw new LadderError(
          `stage "${ctx.entry.name}": batchSize x gradAccum x processes (${o.batchSize} x ${o.gradAccum} x ${world}) must be a multiple of generations (${o.generations}): TRL counts completions in a batch`,
        );
      if (settings.numMachines > 1) throw new LadderError(`stage "${ctx.entry.name}": GRPO on several machines is not supported (the reward server listens on 127.0.0.1)`);
      const token = randomBytes(24).toString('hex');
      const server = await startRewardServer({
        rewards: Object.fromEntries(ids.map((id) => [id, ctx.rewards[id]!.reward])),
        weights: Object.fromEntries(ids.map((id) => [id, ctx.rewards[id]!.weight])),
        host: '127.0.0.1',
        port: 0,
        token,
      });
      try {
        return await runTrl(ctx, settings, {
          kind: 'grpo',
          rows: ctx.samples.map((s) => trlRow(s, { style: o.style, imageRoot: ctx.dataset.dir })),
          style: o.style,
          options: o,
          arguments: {
            ...trainingArguments(o, ctx.seed),
            num_generations: o.generations,
            beta: o.beta,
            epsilon: o.epsilon,
            num_iterations: o.iterations,
            max_completion_length: o.maxTokens,
            temperature: o.temperature,
            top_p: o.topP,
            loss_type: 'grpo',
            scale_rewards: 'group',
            // beta x k3 as the paper's objective (VLM-R1) writes it; TRL 1.13 by default also weights it by the importance ratio
            use_bias_correction_kl: false,
          },
          rewards: { url: server.url, token, ids, weights: ids.map((id) => ctx.rewards[id]!.weight) },
        });
      } finally {
        await server.close();
      }
    },
  };
}
