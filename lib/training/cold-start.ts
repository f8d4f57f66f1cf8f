/**
 * The cold start's data (paper B.2 eq. 4; docs/method.md#cold-start): rejection sampling
 * from a teacher policy. The teacher writes G chain-of-thought completions
 * per question, each is scored with the stage's rewards, and a completion is
 * kept only when its format is right and its accuracy above lambda (`keeps`).
 * A question the teacher fails on (`GenerationErrors`: a 400, retries spent)
 * is counted and logged and gives no candidates; a batch of questions the
 * teacher fails entirely, or failures on more than half of the questions
 * asked, stop the stage.
 * Each batch is appended to `cold-start.progress.jsonl` once scored, so a
 * resume continues after the last saved batch (each batch's seed comes from
 * its start: the result is the uninterrupted run's). The kept set is then
 * written to `cold-start.jsonl` in the stage directory (with a summary in
 * `cold-start.json`) and reused on resume. Shared by every engine's
 * `cold-start` stage: only the SFT on the kept completions differs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  appendJsonLine,
  ConfigError,
  GenerationErrors,
  hash32,
  LadderError,
  readJsonLines,
  writeFileAtomic,
  writeJsonAtomic,
  z,
  type Generation,
  type Ladder,
  type Sample,
  type StageContext,
} from '../../core/index.ts';
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
const PROGRESS_FILE = 'cold-start.progress.jsonl';
/** Failed questions logged one by one; the rest are counted. */
const FAILURES_LOGGED = 5;

/** One teacher batch as saved in the progress file: its questions, kept completions, candidates' rewards, failures. */
interface TeacherBatch {
  start: number;
  ids: string[];
  kept: KeptCompletion[];
  totals: number[];
  parts: Record<string, number[]>;
  failed: { id: string; message: string }[];
}

/** The batches an earlier process saved, as far as they are this stage's questions in this order. */
function savedBatches(file: string, samples: Sample[], size: number): TeacherBatch[] {
  const saved = readJsonLines<TeacherBatch>(file); // a line torn by a kill is skipped
  const ids = (start: number) => JSON.stringify(samples.slice(start, start + size).map((s) => s.id));
  const end = saved.findIndex((b, i) => b.start !== i * size || JSON.stringify(b.ids) !== ids(b.start));
  return end < 0 ? saved : saved.slice(0, end);
}

const firstFailures = (failed: TeacherBatch['failed']) => failed.slice(0, 3).map((f) => `question ${f.id}: ${f.message}`).join('; ');

async function rejectionSample(ladder: Ladder, ctx: StageContext, o: TeacherOptions): Promise<{ kept: KeptCompletion[]; summary: Record<string, number> }> {
  const keep = keeps(ctx, o.lambda);
  const name = ctx.entry.name;
  const file = join(ctx.dir, PROGRESS_FILE);
  const batches = ctx.resume ? savedBatches(file, ctx.samples, o.teacherBatch) : [];
  await writeFileAtomic(file, batches.map((b) => `${JSON.stringify(b)}\n`).join(''));
  const done = Math.min(ctx.samples.length, batches.length * o.teacherBatch);
  if (done) ctx.log(`${name}: resumed ${batches.length} teacher batches (${done} of ${ctx.samples.length} questions) from ${file}`);
  const teacher = await ladder.get('models', o.teacher).create(o.teacherOptions, { seed: ctx.seed, dataset: ctx.dataset, log: ctx.log });
  const progress = ctx.progress(`${name} (teacher ${o.teacher})`, ctx.samples.length);
  if (done) progress.tick(done, 'resumed');
  const failures = batches.flatMap((b) => b.failed);
  try {
    for (let start = done; start < ctx.samples.length; start += o.teacherBatch) {
      ctx.signal?.throwIfAborted();
      const samples = ctx.samples.slice(start, start + o.teacherBatch);
      const inputs = samples.map((s) => samplePrompt(s, ctx.dataset.dir, o.style));
      const seed = hash32(`${ctx.seed}:${name}:teacher-${start}`);
      let results: (Generation[] | Error)[];
      try {
        results = await teacher.generate(inputs, { maxTokens: o.maxTokens, temperature: o.temperature, topP: o.topP, seed, n: o.generations });
      } catch (error) {
        if (!(error instanceof GenerationErrors && error.results.length === inputs.length)) throw error;
        results = error.results; // some questions failed: the others' completions are here
      }
      const failed = results.flatMap((r, i) => (r instanceof Error ? [{ id: samples[i]!.id, message: r.message }] : []));
      // a server down, a wrong model or key: stop before saving (a lone question may just be too long: counted below)
      if (failed.length === samples.length && samples.length > 1)
        throw new LadderError(
          `stage "${name}": the teacher "${o.teacher}" failed on all ${samples.length} questions of the batch from question ${start} (nothing of it is saved: --resume asks it again); ${firstFailures(failed)}`,
        );
      const answered = samples.filter((_, i) => !(results[i] instanceof Error));
      const scored = await scoreGenerations(ctx.rewards, results.filter((r): r is Generation[] => !(r instanceof Error)), answered);
      const batch: TeacherBatch = { start, ids: samples.map((s) => s.id), kept: [], totals: scored.total, parts: scored.parts, failed };
      const perQuestion = new Map<number, number>();
      scored.flat.forEach(({ gen, q }, i) => {
        const reward = scored.total[i]!;
        if (keep(scored.parts, i) && (perQuestion.get(q) ?? 0) < o.keepPerQuestion) {
          perQuestion.set(q, (perQuestion.get(q) ?? 0) + 1);
          batch.kept.push({ id: answered[q]!.id, completion: gen.text, reward });
        }
      });
      appendJsonLine(file, batch);
      batches.push(batch);
      for (const [k, f] of failed.entries())
        if (failures.length + k < FAILURES_LOGGED)
          ctx.log(`${name}: the teacher failed on question ${f.id}: ${f.message}${failures.length + k === FAILURES_LOGGED - 1 ? ' (further failures are counted, not logged)' : ''}`);
      failures.push(...failed);
      const asked = start + samples.length;
      if (failures.length > asked / 2)
        throw new LadderError(
          `stage "${name}": the teacher "${o.teacher}" failed on ${failures.length} of the ${asked} questions asked, more than half ` +
            `(the batches so far are saved in ${file}: --resume continues after them, their failures included; remove the file to ask them again); ${firstFailures(failures)}`,
        );
      progress.tick(samples.length);
    }
  } finally {
    progress.done();
    await teacher.dispose?.();
  }
  const kept = batches.flatMap((b) => b.kept);
  const totals = batches.flatMap((b) => b.totals);
  const parts: Record<string, number[]> = {};
  for (const b of batches) for (const [id, s] of Object.entries(b.parts)) (parts[id] ??= []).push(...s);
  const summary = {
    candidates: totals.length,
    failed: failures.length,
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
    await rm(join(ctx.dir, PROGRESS_FILE), { force: true }); // the summary marks the sampling done
  }
  const failed = result.summary.failed ? `; the teacher failed on ${result.summary.failed} questions` : '';
  ctx.log(`${ctx.entry.name}: kept ${result.summary.kept} of ${result.summary.candidates} teacher completions (format = 1 and accuracy > ${o.lambda})${failed}`);
  return result;
}
