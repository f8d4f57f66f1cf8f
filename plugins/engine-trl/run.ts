/**
 * What every `trl` engine stage shares. runTrl writes the stage's rows
 * (lib/formats) and job, launches runner/train.py with `accelerate launch`,
 * streams the runner's metrics into the run (metrics.jsonl, the `step` hook,
 * the progress display), and on success points the `hf` policy at the
 * stage's final checkpoint, which starts the next stage.
 *
 *   <stage dir>/trl/train.jsonl, job.json   what the runner trains on, and how
 *   <stage dir>/trl/checkpoint-<step>/      TRL's checkpoints (every `checkpointEvery` steps; --resume continues from the newest)
 *   <stage dir>/final/                      the model (save_pretrained, safetensors), tokenizer, processor, policy.json, trl-stage.json
 *   <stage dir>/runner.log                  the runner's output
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LadderError, writeFileAtomic, writeJsonAtomic, z, type StageContext, type StageResult } from '../../core/index.ts';
import type { TrlRow } from '../../lib/formats/index.ts';
import { mean, writeCurves } from '../../lib/training/index.ts';
import { accelerateArgs, accelerateSchema, runPython, runnerScript, type AccelerateSettings } from './launch.ts';
import { BACKEND_ID, HfPolicy, STAGE_RECORD, type HfManifest } from './policy.ts';
import { enginePython } from './python.ts';
import { pixelBudget } from './tiny-model.ts';

/** Settings of every TRL stage (paper Table 7 defaults: batch 1 x accumulation 8, cosine, warmup 0.1, one epoch). */
export const trlSchema = {
  /** 1e-5: the SFT rate of the paper's recipe (paper Table 7; docs/method.md#supervised-fine-tuning). */
  lr: z.number().positive().default(1e-5),
  warmupRatio: z.number().min(0).max(1).default(0.1),
  weightDecay: z.number().min(0).default(0),
  maxGradNorm: z.number().min(0).default(1),
  epochs: z.number().positive().default(1),
  /** Per process (per GPU): TRL's per_device_train_batch_size. */
  batchSize: z.number().int().positive().default(1),
  gradAccum: z.number().int().positive().default(8),
  /** Stop after this many optimizer steps (0: the epochs decide). */
  maxSteps: z.number().int().min(0).default(0),
  /** TRL checkpoint every this many steps (0: only the final model). */
  checkpointEvery: z.number().int().min(0).default(50),
  keepCheckpoints: z.number().int().min(1).default(2),
  gradientCheckpointing: z.boolean().default(false),
  /** accelerate settings for this stage, over the plugin's. */
  accelerate: accelerateSchema.partial().optional(),
  /** More SFTConfig / GRPOConfig fields, verbatim (their names), e.g. { optim: 'adamw_torch_fused' }. */
  trl: z.record(z.string(), z.unknown()).default({}),
};

export type TrlCommon = z.output<z.ZodObject<typeof trlSchema>>;

function requireHf(ctx: StageContext): HfPolicy {
  if (ctx.policy.id !== BACKEND_ID || !(ctx.policy instanceof HfPolicy))
    throw new LadderError(`stage "${ctx.entry.name}" runs on the trl engine, which trains Hugging Face models: set \`model: { id: 'hf', options: { path } }\` (the model is "${ctx.policy.id}")`);
  return ctx.policy;
}

/** TrainingArguments shared by SFT and GRPO, in TRL's names. */
export function trainingArguments(o: TrlCommon, seed: number): Record<string, unknown> {
  return {
    learning_rate: o.lr,
    lr_scheduler_type: 'cosine',
    warmup_steps: o.warmupRatio, // transformers 5: a float below 1 is a ratio of the total steps
    weight_decay: o.weightDecay,
    max_grad_norm: o.maxGradNorm,
    num_train_epochs: o.epochs,
    max_steps: o.maxSteps > 0 ? o.maxSteps : -1,
    per_device_train_batch_size: o.batchSize,
    gradient_accumulation_steps: o.gradAccum,
    save_steps: o.checkpointEvery > 0 ? o.checkpointEvery : 1e9,
    save_total_limit: o.keepCheckpoints,
    gradient_checkpointing: o.gradientCheckpointing,
    data_seed: seed,
  };
}

interface TrlJob {
  kind: 'sft' | 'grpo';
  rows: TrlRow[];
  style: string;
  options: TrlCommon;
  arguments: Record<string, unknown>;
  rewards?: { url: string; token?: string; ids: string[]; weights: number[] };
  /** Added to the stage's result metrics. */
  extra?: Record<string, number>;
}

const FINAL = 'final';

interface TrlStageRecord {
  kind: string;
  stage: string;
  step: number;
  history: Record<string, number>[];
  result: Record<string, number>;
}

/** Run one TRL job for a stage: resume-aware, streaming, ending with the policy on the final checkpoint. */
export async function runTrl(ctx: StageContext, accelerate: AccelerateSettings, job: TrlJob): Promise<StageResult> {
  const policy = requireHf(ctx);
  const final = join(ctx.dir, FINAL);
  const work = join(ctx.dir, 'trl');
  const record = join(final, STAGE_RECORD);
  if (ctx.resume && existsSync(record)) {
    const done = JSON.parse(readFileSync(record, 'utf8')) as TrlStageRecord;
    ctx.log(`${ctx.entry.name}: finished earlier (${final})`);
    await policy.useCheckpoint(final);
    return { checkpoint: final, promptStyle: job.style, metrics: done.result };
  }
  if (!ctx.resume) await rm(work, { recursive: true, force: true });
  await rm(final, { recursive: true, force: true });
  if (!job.rows.length) throw new LadderError(`stage "${ctx.entry.name}": no examples to train on`);

  const trainFile = join(work, 'train.jsonl');
  await writeFileAtomic(trainFile, job.rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const { min, max } = pixelBudget(ctx.dataset);
  const jobFile = join(work, 'job.json');
  await writeJsonAtomic(jobFile, {
    stage: ctx.entry.name,
    kind: job.kind,
    model: policy.path,
    output_dir: work,
    final_dir: final,
    train_file: trainFile,
    seed: ctx.seed,
    resume: ctx.resume,
    pixels: { min: policy.options.minPixels ?? min, max: policy.options.maxPixels ?? max },
    attn_implementation: policy.options.attnImplementation ?? null,
    options: { ...job.arguments, ...job.options.trl },
    rewards: job.rewards,
  });

  await policy.release(); // the evaluation worker's memory goes to training
  const args = accelerateArgs(accelerate, runnerScript('train.py'), [jobFile]);
  if (accelerate.numMachines > 1) {
    const command = [enginePython(), ...args].join(' ').replace(`--machine_rank ${accelerate.machineRank}`, '--machine_rank <k>');
    ctx.log(`${ctx.entry.name}: machine ${accelerate.machineRank} of ${accelerate.numMachines}; start each other machine k (same paths, shared file system) with: ${command}`);
  }
  const label = `${ctx.entry.name} (trl ${job.kind})`;
  let progress: ReturnType<StageContext['progress']> | undefined;
  let at = 0;
  let history: Record<string, number>[] = [];
  let runtime: number | undefined;
  await runPython(enginePython(), args, {
    logFile: join(ctx.dir, 'runner.log'),
    signal: ctx.signal,
    onEvent(event) {
      if (event.event === 'resume') ctx.log(`${ctx.entry.name}: resuming from ${String(event.checkpoint)}`);
      else if (event.event === 'reference') ctx.log(`${ctx.entry.name}: KL reference ${String(event.model)} (${String(event.dtype)}, frozen)`);
      else if (event.event === 'start') {
        at = Number(event.step);
        progress = ctx.progress(label, Number(event.total));
        progress.tick(at);
        if (at > 0) ctx.log(`${ctx.entry.name}: resumed at step ${at} of ${event.total}`);
      } else if (event.event === 'step') {
        const { event: _e, total: _t, replay, ...metrics } = event;
        ctx.emit(metrics, { replay: replay === true });
        if (replay) return; // a step before the resume point: the progress bar starts after it
        const step = Number(event.step);
        progress?.tick(step - at, typeof event.loss === 'number' ? `loss ${event.loss.toFixed(3)}` : undefined);
        at = step;
      } else if (event.event === 'done') {
        history = event.history as Record<string, number>[];
        runtime = (event.metrics as { train_runtime?: number }).train_runtime;
      }
    },
  });
  progress?.done();

  const losses = history.map((h) => h.loss!).filter(Number.isFinite);
  const rewards = history.map((h) => h.reward_mean!).filter(Number.isFinite);
  const result: Record<string, number> = {
    steps: history.at(-1)?.step ?? 0,
    examples: job.rows.length,
    ...(losses.length ? { loss_first: losses[0]!, loss: losses.at(-1)! } : {}),
    ...(rewards.length ? { reward_mean_first: rewards[0]!, reward_mean_last: mean(rewards.slice(-5)) } : {}),
    ...(runtime !== undefined ? { train_runtime: runtime } : {}),
    ...job.extra,
  };
  await writeJsonAtomic(join(final, 'policy.json'), { backend: BACKEND_ID, format: 1, base: policy.path, promptStyle: job.style, options: policy.options } satisfies HfManifest);
  await writeCurves(ctx.dir, history, ctx.entry.name);
  await writeJsonAtomic(record, { kind: ctx.entry.kind, stage: ctx.entry.name, step: result.steps!, history, result } satisfies TrlStageRecord);
  // the final model is complete: TRL's step checkpoints (optimizer states included) are no longer needed
  for (const name of readdirSync(work)) if (/^checkpoint-\d+$/.test(name)) await rm(join(work, name), { recursive: true, force: true });
  await policy.useCheckpoint(final);
  ctx.log(`${ctx.entry.name}: ${result.steps} TRL steps${losses.length ? `, loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}` : ''} -> ${final}`);
  return { checkpoint: final, promptStyle: job.style, metrics: result };
}

