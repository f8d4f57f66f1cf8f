/**
 * TrainingRun: what every training stage shares around its own step logic:
 * AdamW over the policy's parameters, the cosine schedule, gradient
 * clipping, per-step metrics (`ctx.emit`, with the step field), checkpoints
 * every N steps and at the end, resume from the latest checkpoint, and the
 * end-of-stage plots.
 */
import { join } from 'node:path';
import { ConfigError, LadderError, type PolicyTrainer, type StageContext, type StageResult } from '../../core/index.ts';
import { lineChartSvg, writePng } from '../charts/index.ts';
import {
  checkpointFile,
  clearCheckpoints,
  FINAL,
  latestCheckpoint,
  OPTIMIZER_FILE,
  pruneCheckpoints,
  readStageState,
  stampPromptStyle,
  stepName,
  writeCheckpoint,
  writeStageState,
  type StageState,
} from './checkpoint.ts';
import { AdamW } from './optimizer.ts';
import { cosineWithWarmup } from './schedule.ts';

export interface OptimizerOptions {
  lr: number;
  warmupRatio: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  maxGradNorm: number;
}

export interface CheckpointOptions {
  /** Write a checkpoint every this many optimizer steps (0: only at the end). */
  checkpointEvery: number;
  /** `step-<n>` checkpoints kept (the newest). */
  keepCheckpoints: number;
}

/** Metric series plotted at the end of a stage when present: file name -> keys. */
const PLOTS: Record<string, { title: string; keys: string[] }> = {
  'loss.png': { title: 'loss', keys: ['loss'] },
  'reward_mean.png': { title: 'reward mean', keys: ['reward_mean', 'reward_format', 'reward_accuracy'] },
  'reward_std.png': { title: 'reward std (within groups)', keys: ['reward_std'] },
};

export function requireTrainer(ctx: StageContext): PolicyTrainer {
  const trainer = ctx.policy.trainer;
  if (!trainer) throw new LadderError(`stage "${ctx.entry.name}" (${ctx.entry.kind}) trains the policy, but model "${ctx.policy.id}" is not trainable`);
  return trainer;
}

/**
 * A stage option that asks the trainer for an attention loss built from the
 * samples' `grounding` (stage-sft's `grounding`, the cold start's `copy`):
 * the trainer must say it has that loss (`capability`), and some sample must
 * have grounding; else a ConfigError names the option.
 */
export function requireAttentionLoss(ctx: StageContext, option: 'grounding' | 'copy', capability: 'grounds' | 'copies'): void {
  const where = `curriculum stage "${ctx.entry.name}" (${ctx.entry.kind}): options.${option}`;
  if (ctx.policy.trainer && !ctx.policy.trainer[capability]) throw new ConfigError(`${where}: model "${ctx.policy.id}" has no ${option} loss (tiny-vlm has); set it to 0`);
  if (ctx.samples.length && !ctx.samples.some((s) => s.grounding?.length))
    throw new ConfigError(`${where}: no sample of ${ctx.dataset.dir} has grounding (a dataset built before it was written: \`ladder data build --force\`)`);
}

export class TrainingRun {
  /** Optimizer steps completed. */
  step = 0;
  history: Record<string, number>[] = [];
  cursor: Record<string, number> = {};
  /** Set when the stage had already finished (resume found `final`). */
  finished?: StageResult;
  readonly optimizer: AdamW;
  private readonly schedule: (step: number) => number;
  private started = performance.now();

  private constructor(
    readonly ctx: StageContext,
    readonly trainer: PolicyTrainer,
    readonly totalSteps: number,
    readonly options: OptimizerOptions & CheckpointOptions,
    readonly streams: string[],
    readonly promptStyle: string,
  ) {
    this.optimizer = new AdamW(trainer.parameters(), options, trainer.threads);
    this.schedule = cosineWithWarmup(options.lr, totalSteps, options.warmupRatio);
  }

  /**
   * Open a run; under `ctx.resume` continue from the latest checkpoint in
   * `ctx.dir`. `promptStyle` is how the stage prompts ('plain', 'direct',
   * 'think'): it goes into every checkpoint's policy.json and the result, so
   * evaluations ask the checkpoint the way it was trained.
   */
  static async open(
    ctx: StageContext,
    totalSteps: number,
    options: OptimizerOptions & CheckpointOptions,
    streams: string[],
    promptStyle: string,
  ): Promise<TrainingRun> {
    const run = new TrainingRun(ctx, requireTrainer(ctx), totalSteps, options, streams, promptStyle);
    const latest = ctx.resume ? latestCheckpoint(ctx.dir) : undefined;
    if (!latest) {
      await clearCheckpoints(ctx.dir);
      return run;
    }
    const state = readStageState(latest);
    if (state.kind !== ctx.entry.kind || state.totalSteps !== totalSteps)
      throw new LadderError(`${latest}: checkpoint of a ${state.kind} stage with ${state.totalSteps} steps cannot resume this ${ctx.entry.kind} stage of ${totalSteps} steps (options changed? rerun with --force)`);
    await run.trainer.loadState(latest);
    await run.optimizer.load(checkpointFile(latest, OPTIMIZER_FILE, 'optimizer.bin'));
    run.step = state.step;
    run.history = state.history;
    run.cursor = state.cursor;
    if (state.result) run.finished = { checkpoint: latest, promptStyle, metrics: state.result };
    ctx.log(`${ctx.entry.name}: resumed from ${latest} (step ${state.step} of ${totalSteps})`);
    return run;
  }

  get lr(): number {
    return this.schedule(this.step);
  }

  /** Scale the accumulated gradients by `scale`, clip them, take an AdamW step at the scheduled rate, commit. */
  async update(scale = 1): Promise<{ lr: number; gradNorm: number }> {
    const lr = this.lr;
    const gradNorm = await this.optimizer.step(lr, { scale, maxGradNorm: this.options.maxGradNorm });
    this.trainer.commit();
    this.step += 1;
    return { lr, gradNorm };
  }

  /** Count a step without an update (a batch with nothing to learn from); the schedule moves on. */
  skip(): { lr: number; gradNorm: number } {
    const lr = this.lr;
    this.step += 1;
    return { lr, gradNorm: 0 };
  }

  /**
   * Record one step: `metrics` go to the history and metrics.jsonl; `timings`
   * (tokens/s, seconds) to metrics.jsonl only, so resumed runs keep identical histories.
   */
  record(metrics: Record<string, number>, timings: Record<string, number> = {}): void {
    const line = { step: this.step, ...metrics };
    this.history.push(line);
    this.ctx.emit({ ...line, ...timings, backend: this.trainer.device });
  }

  private state(result?: Record<string, number>): StageState {
    return {
      kind: this.ctx.entry.kind,
      stage: this.ctx.entry.name,
      step: this.step,
      totalSteps: this.totalSteps,
      cursor: this.cursor,
      rng: { seed: this.ctx.seed, streams: this.streams },
      history: this.history,
      result,
    };
  }

  private async save(name: string, result?: Record<string, number>): Promise<string> {
    return writeCheckpoint(this.ctx.dir, name, async (dir) => {
      await this.trainer.saveState(dir);
      await stampPromptStyle(dir, this.promptStyle);
      await this.optimizer.save(join(dir, OPTIMIZER_FILE));
      await writeStageState(dir, this.state(result));
    });
  }

  /** Checkpoint when `checkpointEvery` steps have passed (never at the last step: `finish` writes that). */
  async checkpointIfDue(): Promise<void> {
    const every = this.options.checkpointEvery;
    if (every > 0 && this.step % every === 0 && this.step < this.totalSteps) {
      await this.save(stepName(this.step));
      await pruneCheckpoints(this.ctx.dir, this.options.keepCheckpoints);
    }
  }

  /** Final checkpoint, plots; the stage's result. */
  async finish(metrics: Record<string, number>): Promise<StageResult> {
    const checkpoint = await this.save(FINAL, metrics);
    await pruneCheckpoints(this.ctx.dir, 0);
    await writeCurves(this.ctx.dir, this.history, this.ctx.entry.name);
    return { checkpoint, promptStyle: this.promptStyle, metrics };
  }

  /** Seconds since the run opened (for throughput figures). */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }
}

/** PNG line charts of the per-step series that exist in `history`. */
export async function writeCurves(dir: string, history: Record<string, number>[], stage: string): Promise<string[]> {
  const written: string[] = [];
  for (const [file, { title, keys }] of Object.entries(PLOTS)) {
    const series = keys
      .filter((key) => history.some((h) => typeof h[key] === 'number'))
      .map((key) => ({ name: key, points: history.filter((h) => typeof h[key] === 'number').map((h) => [h.step!, h[key]!] as [number, number]) }));
    if (!series.length) continue;
    await writePng(join(dir, file), lineChartSvg({ title: `${stage}: ${title}`, xLabel: 'step', yLabel: title, series }));
    written.push(file);
  }
  return written;
}
