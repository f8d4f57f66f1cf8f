/**
 * The cold start's data (paper B.2 eq. 4; docs/method.md#cold-start): rejection sampling
 * from a teacher policy. The teacher writes G chain-of-thought completions
 * per question, each is scored with the stage's rewards, and a completion is
 * kept only when its format is right and its accuracy above lambda (`keeps`).
 * The kept set
 * is written to `cold-start.jsonl` in the stage directory (with a summary in
 * `cold-start.json`) and reused on resume. Shared by every engine's
 * `cold-start` stage: only the SFT on the kept completions differs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, hash32, readJsonLines, writeFileAtomic, writeJsonAtomic, z, type Ladder, type StageContext } from '../../core/index.ts';
import { samplePrompt } from '../prompts/index.ts';
import { promptStyleSchema } from './options.ts';
import { scoreGenerations } from './rewards.ts';
import { mean } from './stats.ts';

export const teacherSchema = {
  style: promptStyleSchema.default('think'),
  /** Policy id of the teacher (a `models` entry) and its options. */
  teacher: z.string().min(1).default('metadata-teacher'),
  teacherOptions: z.record(z.string(), z.unknown()).default({}),
  /** Teacher completions per question (G). */
  generations: z.number().int().positive().default(4),
  /** Keep when format = 1 and accuracy > lambda (with weights 1: R > 1 + lambda). */
  lambda: z.number().min(0).lt(1).default(0.5),
  /** Kept completions per question, at most (the first that pass). */
  keepPerQuestion: z.number().int().positive().default(1),
  temperature: z.number().min(0).default(1),
  topP: z.number().gt(0).max(1).default(1),
  maxTokens: z.number().int().positive().default(512),
  /** Questions sent to the teacher per call. */
  teacherBatch: z.number().int().positive().default(16),
};
const teacherOptions = z.strictObject(teacherSchema);
export type TeacherOptions = z.output<typeof teacherOptions>;

export interface KeptCompletion {
  id: string;
  completion: string;
  reward: number;
}

/** The rewards the keep rule reads; both must be among the stage's rewards with a positive weight. */
const KEEP_REWARDS = ['format', 'accuracy'] as const;

/**
 * The keep rule, through the stage's weights: the format term w_format x format
 * is at its full weight (format = 1) and the accuracy term is above
 * lambda x w_accuracy (accuracy > lambda); so R > w_format + lambda x w_accuracy,
 * which with the default weights (1, 1) is the paper's R > 1 + lambda. The two
 * terms are tested, not R alone, so that a large accuracy weight cannot pay
 * for a broken format (or another reward's weight for a wrong answer).
 */
export function keeps(ctx: StageContext, lambda: number): (parts: Record<string, number[]>, i: number) => boolean {
  for (const id of KEEP_REWARDS) {
    const weight = ctx.rewards[id]?.weight;
    if (!(weight !== undefined && weight > 0))
      throw new ConfigError(
        `curriculum stage "${ctx.entry.name}" (cold-start): the keep rule needs the "${id}" reward with a positive weight; the stage's rewards are ${JSON.stringify(Object.fromEntries(Object.entries(ctx.rewards).map(([k, r]) => [k, r.weight])))} (set \`rewards\` on the curriculum entry or in the config)`,
      );
  }
  return (parts, i) => parts.format![i]! >= 1 && parts.accuracy![i]! > lambda;
}

const KEPT_FILE = 'cold-start.jsonl';
const SUMMARY_FILE = 'cold-start.json';

async function rejectionSample(ladder: Ladder, ctx: StageContext, o: TeacherOptions): Promise<{ kept: KeptCompletion[]; summary: Record<string, number> }> {
  const keep = keeps(ctx, o.lambda);
  const teacher = await ladder.get('models', o.teacher).create(o.teacherOptions, { seed: ctx.seed, dataset: ctx.dataset, log: ctx.log });
  const kept: KeptCompletion[] = [];
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
        if (keep(scored.parts, i) && (perQuestion.get(q) ?? 0) < o.keepPerQuestion) {
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

/**
 * The kept teacher completions of a cold-start stage: read back under resume
 * when the stage directory has them, else sampled, written and reported
 * (`ctx.emit` step 0, phase "rejection-sampling").
 */
export async function coldStartData(ladder: Ladder, ctx: StageContext, o: TeacherOptions): Promise<{ kept: KeptCompletion[]; summary: Record<string, number> }> {
  if (!ladder.has('models', o.teacher))
    throw new Error(`stage "${ctx.entry.name}": teacher "${o.teacher}" is not a registered model (registered: ${ladder.ids('models').join(', ')})`);
  const keptFile = join(ctx.dir, KEPT_FILE);
  const summaryFile = join(ctx.dir, SUMMARY_FILE);
  let result: { kept: KeptCompletion[]; summary: Record<string, number> };
  if (ctx.resume && existsSync(summaryFile)) {
    result = { kept: readJsonLines<KeptCompletion>(keptFile), summary: JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, number> };
  } else {
    result = await rejectionSample(ladder, ctx, o);
    // the event first: a kill before the summary is written repeats the sampling, and the repeated event replaces this line
    ctx.emit({ step: 0, phase: 'rejection-sampling', ...result.summary });
    await writeFileAtomic(keptFile, result.kept.map((k) => JSON.stringify(k)).join('\n') + (result.kept.length ? '\n' : ''));
    await writeJsonAtomic(summaryFile, result.summary);
  }
  ctx.log(`${ctx.entry.name}: kept ${result.summary.kept} of ${result.summary.candidates} teacher completions (format = 1 and accuracy > ${o.lambda})`);
  return result;
}
