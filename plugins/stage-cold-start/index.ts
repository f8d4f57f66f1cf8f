/**
 * stage-cold-start: the `cold-start` stage kind (SPEC section 5, paper B.2
 * eq. 4). Rejection sampling: a teacher policy (any model id; default the
 * metadata teacher) writes G chain-of-thought completions per question, each
 * is scored with the configured rewards, and a completion is kept only when
 * R(o, y) = sum of weight x reward > 1 + lambda (format correct and accuracy
 * above lambda with the default weights). Then SFT on the kept completions
 * with the thinking prompt. The kept set is written to `cold-start.jsonl` in
 * the stage directory (and reused on resume).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, hash32, readJsonLines, writeFileAtomic, writeJsonAtomic, z, type Ladder, type Stage, type StageContext } from '../../core/index.ts';
import { samplePrompt } from '../../lib/prompts/index.ts';
import { mean, promptStyleSchema, scoreGenerations, stageOptions, supervisedSchema, trainSupervised } from '../../lib/training/index.ts';

export const PLUGIN_NAME = 'stage-cold-start';

export const coldStartOptions = z.strictObject({
  ...supervisedSchema,
  /** A new, long output format to learn in few steps: a higher rate than sft's. */
  lr: supervisedSchema.lr.default(3e-3),
  /** One pass, as the paper's SFT (Table 7). */
  epochs: supervisedSchema.epochs.default(1),
  style: promptStyleSchema.default('think'),
  /** Policy id of the teacher (a `models` entry) and its options. */
  teacher: z.string().min(1).default('metadata-teacher'),
  teacherOptions: z.record(z.string(), z.unknown()).default({}),
  /** Teacher completions per question (G). */
  generations: z.number().int().positive().default(4),
  /** Keep when R > 1 + lambda. */
  lambda: z.number().default(0.5),
  /** Kept completions per question, at most (the first that pass). */
  keepPerQuestion: z.number().int().positive().default(1),
  temperature: z.number().min(0).default(1),
  topP: z.number().gt(0).max(1).default(1),
  maxTokens: z.number().int().positive().default(512),
  /** Questions sent to the teacher per call. */
  teacherBatch: z.number().int().positive().default(16),
});

interface Kept {
  id: string;
  completion: string;
  reward: number;
}

const KEPT_FILE = 'cold-start.jsonl';
const SUMMARY_FILE = 'cold-start.json';

async function rejectionSample(ladder: Ladder, ctx: StageContext, o: z.output<typeof coldStartOptions>): Promise<{ kept: Kept[]; summary: Record<string, number> }> {
  const teacher = await ladder.get('models', o.teacher).create(o.teacherOptions, { seed: ctx.seed, dataset: ctx.dataset, log: ctx.log });
  const kept: Kept[] = [];
  const totals: number[] = [];
  const parts: Record<string, number[]> = {};
  const progress = ctx.progress(`${ctx.entry.name} (teacher ${o.teacher})`, ctx.samples.length);
  try {
    for (let start = 0; start < ctx.samples.length; start += o.teacherBatch) {
      ctx.signal?.throwIfAborted();
      const samples = ctx.samples.slice(start, start + o.teacherBatch);
      const inputs = samples.map((s) => samplePrompt(s, ctx.dataset.dir, o.style));
      const seed = hash32(`${ctx.seed}:${ctx.entry.name}:teacher-${start}`);
      const generations = await teacher.generate(inputs, { maxTokens: o.maxTokens, temperature: o.temperature, topP: o.topP, seed, n: o.generations });
      const scored = await scoreGenerations(ctx.rewards, generations, samples);
      for (const [id, s] of Object.entries(scored.parts)) (parts[id] ??= []).push(...s);
      totals.push(...scored.total);
      const perQuestion = new Map<number, number>();
      scored.flat.forEach(({ gen, q }, i) => {
        const reward = scored.total[i]!;
        if (reward > 1 + o.lambda && (perQuestion.get(q) ?? 0) < o.keepPerQuestion) {
          perQuestion.set(q, (perQuestion.get(q) ?? 0) + 1);
          kept.push({ id: samples[q]!.id, completion: gen.text, reward });
        }
      });
      progress.tick(samples.length);
    }
  } finally {
    progress.done();
    await teacher.dispose?.();
  }
  const summary = {
    candidates: totals.length,
    kept: kept.length,
    keep_rate: totals.length ? kept.length / totals.length : 0,
    questions_kept: new Set(kept.map((k) => k.id)).size,
    teacher_reward_mean: mean(totals),
    ...Object.fromEntries(Object.entries(parts).map(([id, s]) => [`teacher_reward_${id}`, mean(s)])),
  };
  return { kept, summary };
}

export function coldStartStage(ladder: Ladder): Stage {
  return {
    kind: 'cold-start',
    usesRewards: true,
    options: coldStartOptions,
    async run(ctx) {
      const o = stageOptions(coldStartOptions, ctx);
      if (!ladder.has('models', o.teacher))
        throw new Error(`stage "${ctx.entry.name}": teacher "${o.teacher}" is not a registered model (registered: ${ladder.ids('models').join(', ')})`);
      const keptFile = join(ctx.dir, KEPT_FILE);
      const summaryFile = join(ctx.dir, SUMMARY_FILE);
      let kept: Kept[];
      let summary: Record<string, number>;
      if (ctx.resume && existsSync(summaryFile)) {
        kept = readJsonLines<Kept>(keptFile);
        summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, number>;
      } else {
        ({ kept, summary } = await rejectionSample(ladder, ctx, o));
        // the event first: a kill before the summary is written repeats the sampling, and the repeated event replaces this line
        ctx.emit({ step: 0, phase: 'rejection-sampling', ...summary });
        await writeFileAtomic(keptFile, kept.map((k) => JSON.stringify(k)).join('\n') + (kept.length ? '\n' : ''));
        await writeJsonAtomic(summaryFile, summary);
      }
      ctx.log(`${ctx.entry.name}: kept ${summary.kept} of ${summary.candidates} teacher completions (R > 1 + ${o.lambda})`);
      const byId = new Map(ctx.samples.map((s) => [s.id, s]));
      const examples = kept.map((k) => ({ input: samplePrompt(byId.get(k.id)!, ctx.dataset.dir, o.style), completion: k.completion }));
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
