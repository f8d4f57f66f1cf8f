/**
 * Supervised fine-tuning (paper B.2 eq. 3; docs/method.md#supervised-fine-tuning): cross-entropy on
 * the completion tokens only (prompt and image positions are context), AdamW,
 * cosine schedule with warmup, gradient accumulation and clipping. The loss
 * of an optimizer step is the mean negative log-likelihood over all
 * completion tokens of the step, so splitting a step into micro-batches
 * (batchSize x gradAccum) does not change it. Shared by the `sft` and
 * `cold-start` stages.
 */
import { type StageContext, type StageResult, type TokenObjective, type TrainExample } from '../../core/index.ts';
import { createOrder } from './order.ts';
import { TrainingRun, type CheckpointOptions, type OptimizerOptions } from './run.ts';

export interface SupervisedOptions extends OptimizerOptions, CheckpointOptions {
  epochs: number;
  /** Examples per forward pass. */
  batchSize: number;
  /** Forward passes per optimizer step. */
  gradAccum: number;
  /** Stop after this many optimizer steps (0: no cap). */
  maxSteps: number;
  /** The prompt style of the examples (recorded in the checkpoints and the result). */
  style: string;
}

/** Sum of negative log-likelihoods; d/d logp = -1 per token. */
export const nllObjective: TokenObjective = (logProbs) => ({
  loss: -logProbs.reduce((s, lp) => s + lp.reduce((a, b) => a + b, 0), 0),
  grads: logProbs.map((lp) => lp.map(() => -1)),
});

export function supervisedPlan(examples: number, o: Pick<SupervisedOptions, 'epochs' | 'batchSize' | 'gradAccum' | 'maxSteps'>) {
  const microBatches = Math.ceil(examples / o.batchSize);
  const stepsPerEpoch = Math.ceil(microBatches / o.gradAccum);
  const total = o.epochs * stepsPerEpoch;
  return { microBatches, stepsPerEpoch, totalSteps: o.maxSteps > 0 ? Math.min(o.maxSteps, total) : total };
}

export async function trainSupervised(ctx: StageContext, examples: TrainExample[], options: SupervisedOptions, extra: Record<string, number> = {}): Promise<StageResult> {
  const label = ctx.entry.name;
  const plan = supervisedPlan(examples.length, options);
  const run = await TrainingRun.open(ctx, plan.totalSteps, options, [`${label}/epoch-<e>`], options.style);
  if (run.finished) return run.finished;
  if (!examples.length) {
    ctx.log(`${label}: no examples to train on`);
    return run.finish({ steps: 0, examples: 0, ...extra });
  }
  const orderOf = createOrder(examples.length, ctx.seed, label);
  const progress = ctx.progress(`${label} (sft)`, plan.totalSteps);
  progress.tick(run.step);
  let tokens = 0;
  while (run.step < plan.totalSteps) {
    ctx.signal?.throwIfAborted();
    const started = performance.now();
    const epoch = Math.floor(run.step / plan.stepsPerEpoch);
    const inEpoch = run.step % plan.stepsPerEpoch;
    const order = orderOf(epoch);
    let nll = 0;
    const grounding = { loss: 0, phrases: 0 };
    const copy = { loss: 0, tokens: 0 };
    let scored = 0;
    let seen = 0;
    let count = 0;
    const first = inEpoch * options.gradAccum;
    for (let m = first; m < Math.min(first + options.gradAccum, plan.microBatches); m++) {
      const batch = order.slice(m * options.batchSize, (m + 1) * options.batchSize).map((i) => examples[i]!);
      const result = await run.trainer.accumulate(batch, nllObjective);
      nll += result.loss;
      grounding.loss += result.grounding?.loss ?? 0;
      grounding.phrases += result.grounding?.phrases ?? 0;
      copy.loss += result.copy?.loss ?? 0;
      copy.tokens += result.copy?.tokens ?? 0;
      scored += result.completionTokens;
      seen += result.tokens;
      count += batch.length;
    }
    const { lr, gradNorm } = await run.update(1 / Math.max(1, scored));
    tokens += seen;
    run.cursor = { epoch, position: Math.min((first + options.gradAccum) * options.batchSize, examples.length) };
    const seconds = (performance.now() - started) / 1000;
    const loss = nll / Math.max(1, scored);
    const attention: Record<string, number> = {
      ...(grounding.phrases && { grounding_loss: grounding.loss / grounding.phrases }),
      ...(copy.tokens && { copy_loss: copy.loss / copy.tokens }),
    };
    run.record({ epoch, loss, lr, grad_norm: gradNorm, completion_length: scored / count, ...attention }, { tokens_per_s: seen / seconds, tokens: seen });
    progress.tick(1, `loss ${loss.toFixed(3)}`);
    await run.checkpointIfDue();
  }
  progress.done();
  const losses = run.history.map((h) => h.loss!).filter(Number.isFinite);
  const lastEpoch = run.history.filter((h) => h.epoch === run.history.at(-1)!.epoch).map((h) => h.loss!);
  ctx.log(`${label}: ${run.step} steps, loss ${losses[0]?.toFixed(3)} -> ${losses.at(-1)?.toFixed(3)}, ${tokens} tokens in ${run.elapsed().toFixed(1)} s this session`);
  return run.finish({
    steps: run.step,
    examples: examples.length,
    loss: losses.at(-1) ?? NaN,
    loss_first: losses[0] ?? NaN,
    loss_last_epoch: lastEpoch.reduce((a, b) => a + b, 0) / Math.max(1, lastEpoch.length),
    ...extra,
  });
}
