/**
 * stage-grpo: the `grpo` stage kind (curriculum stage 3; docs/method.md#grpo):
 * for each question sample G completions from the current policy, score them
 * with the configured rewards (R = sum of weight x reward, from `ctx.rewards`),
 * normalise within the group, and optimise the clipped surrogate minus
 * beta x KL to the policy frozen at the start of the stage (grpo.ts).
 */
import { definePlugin, hash32, z, type Stage } from '../../core/index.ts';
import { samplePrompt } from '../../lib/prompts/index.ts';
import { checkpointSchema, createOrder, mean, optimizerSchema, promptStyleSchema, requireTrainer, scoreGenerations, stageOptions, std, TrainingRun } from '../../lib/training/index.ts';
import { grpoObjective, groupAdvantages, STD_GUARD, type GrpoStats } from './grpo.ts';

export const PLUGIN_NAME = 'stage-grpo';
export { groupAdvantages, grpoObjective, STD_GUARD } from './grpo.ts';

/**
 * Defaults: the paper's G = 8, beta = 0.01, batch 2 x accum 4 (Table 8); clip
 * epsilon 0.2 and one iteration per batch as TRL/VLM-R1; a completion budget
 * and learning rate sized for tiny-vlm trained from scratch on CPU.
 */
export const grpoOptions = z.strictObject({
  ...optimizerSchema,
  lr: optimizerSchema.lr.default(1e-3),
  warmupRatio: optimizerSchema.warmupRatio.default(0),
  ...checkpointSchema,
  // 25 steps: about 16 s of the default's GRPO (every 5 wrote 80 checkpoints, about 12 s of its 265)
  checkpointEvery: checkpointSchema.checkpointEvery.default(25),
  generations: z.number().int().min(2).default(8),
  beta: z.number().min(0).default(0.01),
  epsilon: z.number().positive().default(0.2),
  /** Optimizer steps per batch of rollouts (mu). */
  iterations: z.number().int().positive().default(1),
  maxTokens: z.number().int().positive().default(64),
  temperature: z.number().positive().default(1),
  topP: z.number().gt(0).max(1).default(1),
  /** Questions per forward pass, and forward passes per optimizer step. */
  batchSize: z.number().int().positive().default(2),
  gradAccum: z.number().int().positive().default(4),
  epochs: z.number().int().positive().default(1),
  maxSteps: z.number().int().min(0).default(0),
  style: promptStyleSchema.default('think'),
  /**
   * Leave out of the update the groups whose rewards do not differ (every
   * advantage 0: they would only add the KL term); a step where every group
   * is uniform takes no update. Saves their forward and backward passes.
   */
  skipUniform: z.boolean().default(false),
});
export type GrpoOptions = z.output<typeof grpoOptions>;

export const grpoStage: Stage = {
  kind: 'grpo',
  usesRewards: true,
  options: grpoOptions,
  async run(ctx) {
    const o = stageOptions(grpoOptions, ctx);
    if (!Object.keys(ctx.rewards).length) throw new Error(`stage "${ctx.entry.name}": GRPO needs at least one reward (\`rewards\` on the curriculum entry or in the config)`);
    const label = ctx.entry.name;
    const perStep = o.batchSize * o.gradAccum;
    const rolloutsPerEpoch = Math.ceil(ctx.samples.length / perStep);
    let rollouts = o.epochs * rolloutsPerEpoch;
    if (o.maxSteps > 0) rollouts = Math.min(rollouts, Math.ceil(o.maxSteps / o.iterations));
    const totalSteps = rollouts * o.iterations;
    const reference = o.beta > 0 ? await requireTrainer(ctx).snapshot() : undefined; // the policy as the stage found it
    try {
      const run = await TrainingRun.open(ctx, totalSteps, o, [`${label}/epoch-<e>`, `${label}/rollout-<k>`], o.style);
      if (run.finished) return run.finished;
      const order = createOrder(ctx.samples.length, ctx.seed, label);
      const progress = ctx.progress(`${label} (grpo)`, totalSteps);
      progress.tick(run.step);
      while (run.step < totalSteps) {
        ctx.signal?.throwIfAborted();
        const k = Math.floor(run.step / o.iterations);
        const epoch = Math.floor(k / rolloutsPerEpoch);
        const first = (k % rolloutsPerEpoch) * perStep;
        const questions = order(epoch).slice(first, first + perStep).map((i) => ctx.samples[i]!);
        const inputs = questions.map((s) => samplePrompt(s, ctx.dataset.dir, o.style));

        let started = performance.now();
        const seed = hash32(`${ctx.seed}:${label}:rollout-${k}`);
        const generations = await ctx.policy.generate(inputs, { maxTokens: o.maxTokens, temperature: o.temperature, topP: o.topP, seed, n: o.generations });
        const rolloutSeconds = (performance.now() - started) / 1000;
        const { flat, parts, total } = await scoreGenerations(ctx.rewards, generations, questions);
        const groups = questions.map((_, q) => total.slice(q * o.generations, (q + 1) * o.generations));
        const uniform = groups.map((g) => !(std(g, true) >= STD_GUARD));
        // the questions whose completions are trained on: every one, or with skipUniform those whose rewards differ
        const trained = questions.map((_, q) => q).filter((q) => !(o.skipUniform && uniform[q]));
        const advantages = trained.flatMap((q) => groupAdvantages(groups[q]!));
        const kept = new Set(trained);
        const examples = flat
          .filter(({ q }) => kept.has(q))
          .map(({ gen, q }) => ({ input: inputs[q]!, completion: gen.text, tokenIds: gen.tokenIds }));
        const rolloutTokens = flat.reduce((s, f) => s + (f.gen.tokens ?? 0), 0);

        const micro = Array.from({ length: Math.ceil(trained.length / o.batchSize) }, (_, m) => {
          const from = m * o.batchSize * o.generations;
          return { from, to: Math.min(from + o.batchSize * o.generations, examples.length) };
        });
        const ref = reference
          ? await Promise.all(
              micro.map(({ from, to }) => {
                const part = examples.slice(from, to);
                return reference.logProbs!(part.map((e) => e.input), part.map((e) => e.completion), part.map((e) => e.tokenIds));
              }),
            )
          : undefined;
        const old: number[][][] = [];
        for (let iteration = 0; iteration < o.iterations; iteration++) {
          started = performance.now();
          const stats: GrpoStats = { kl: 0, clipped: 0, tokens: 0 };
          let loss = 0;
          let tokens = 0;
          for (const [m, { from, to }] of micro.entries()) {
            const objective = grpoObjective(advantages.slice(from, to), o, examples.length, old[m], ref?.[m], stats);
            const result = await run.trainer.accumulate(examples.slice(from, to), objective);
            if (iteration === 0) old[m] = result.logProbs;
            loss += result.loss;
            tokens += result.tokens;
          }
          const { lr, gradNorm } = examples.length ? await run.update() : run.skip();
          run.cursor = { epoch, rollout: k, iteration, position: first + questions.length };
          const trainSeconds = (performance.now() - started) / 1000;
          run.record(
            {
              epoch,
              loss,
              lr,
              grad_norm: gradNorm,
              reward_mean: mean(total),
              reward_std: mean(groups.map((g) => std(g, true))),
              ...Object.fromEntries(Object.entries(parts).map(([id, s]) => [`reward_${id}`, mean(s)])),
              groups_uniform: mean(uniform.map(Number)),
              kl: stats.tokens ? stats.kl / stats.tokens : 0,
              clip_ratio: stats.tokens ? stats.clipped / stats.tokens : 0,
              completion_length: rolloutTokens / flat.length,
            },
            { tokens_per_s: tokens / trainSeconds, rollout_tokens_per_s: rolloutTokens / rolloutSeconds, rollout_s: rolloutSeconds, train_s: trainSeconds },
          );
          progress.tick(1, `reward ${mean(total).toFixed(3)}`);
        }
        await run.checkpointIfDue();
      }
      progress.done();
      const h = run.history;
      const last = h.slice(-Math.min(5, h.length));
      const avg = (key: string, rows: Record<string, number>[]) => mean(rows.map((r) => r[key]!).filter(Number.isFinite));
      return run.finish({
        steps: run.step,
        questions: ctx.samples.length,
        reward_mean_first: h[0]?.reward_mean ?? NaN,
        reward_mean_last: avg('reward_mean', last),
        kl_last: avg('kl', last),
        completion_length_last: avg('completion_length', last),
      });
    } finally {
      reference?.dispose?.();
    }
  },
};

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.stages.for('grpo').tap(PLUGIN_NAME, () => grpoStage);
  },
});
