/**
 * The evaluation loop every benchmark plugin shares: seeded subset, batched
 * policy calls, predictions appended to `<dir>/predictions.jsonl` as they
 * come (a rerun predicts only the rows without one and re-scores the saved
 * ones, provided `<dir>/identity.json` records the same policy, rows and
 * generation settings), per-row errors reported instead of aborting (unless
 * strict), and the report written to `<dir>/report.json` and `<dir>/report.md`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  appendJsonLine,
  benchmarkMarkdown,
  createRandom,
  GenerationErrors,
  policyIdentity,
  readJsonLines,
  withLock,
  writeFileAtomic,
  writeJsonAtomic,
  type AnswerKind,
  type BenchmarkContext,
  type BenchmarkReport,
  type Generation,
  type Policy,
  type PolicyInput,
} from '../../core/index.ts';
import { aggregateScores, type ScoreKind, type ScoredRow, type TypeLayout } from './aggregate.ts';
import { scoreIntervals } from './bootstrap.ts';
import { scoreAnswer, type AnswerKey, type ScoredAnswer } from './answer.ts';
import { claimEvaluationFolder, rowsHash, type EvaluationIdentity } from './eval-identity.ts';
import type { ExtractionMode } from './extract.ts';
import type { RowProblem } from './parquet-rows.ts';
import { promptText, SYSTEM_PROMPT, type PromptStyle } from '../prompts/index.ts';
import { blankFrames } from '../media/index.ts';
import { swapPartners } from './swap.ts';

/** One question a benchmark asks. */
export interface EvalRow extends AnswerKey {
  id: string;
  /** Question type as the benchmark names it (one score per type). */
  type: string;
  modality?: string;
  /** The scene (room) the row asks about: the swapped control gives the row frames of another. */
  scene?: string;
  /** Task id given to reference policies (default: `type`). */
  task?: string;
  /** The question alone: options and instructions are added by the prompt. */
  question: string;
  /** Absolute image paths the policy sees, resolved (video frames sampled) only when the row is asked. */
  images(): Promise<string[]>;
  /** The media the row names (paths as the benchmark writes them): part of the benchmark-row hash. */
  media?: string[];
  /** The row's video file (absolute), sent instead of frames to a policy that takes video (`Policy.acceptsVideo`). */
  video?(): Promise<string>;
}

export interface EvaluationSettings {
  benchmark: string;
  prompt: PromptStyle;
  extraction: ExtractionMode;
  prePrompt?: string;
  maxTokens: number;
  temperature: number;
  layout?: TypeLayout;
  /** More settings that change what the policy sees (e.g. frames per video): recorded, and checked on resume. */
  inputs?: Record<string, unknown>;
}

/** The default completion budget per prompt style. */
export const DEFAULT_MAX_TOKENS: Record<PromptStyle, number> = { plain: 128, direct: 128, think: 1024, 'lmms-eval': 16, spatialladder: 128, 'spatialladder-think': 1024 };

/**
 * Characters of a completion stored (and scored): 16 per token of the
 * budget, at least 32,768. A longer completion (a server ignoring the
 * budget) is cut there and marked `truncated` in predictions.jsonl.
 */
export const storedCompletionLimit = (maxTokens: number) => Math.max(32_768, 16 * maxTokens);

interface PredictionLine {
  id: string;
  type: string;
  prediction?: string;
  /** The completion was longer than `storedCompletionLimit` and is stored cut. */
  truncated?: true;
  extracted?: string | number | null;
  score?: number;
  error?: string;
}

/** How each answer kind is aggregated. */
const SCORE_KIND: Record<AnswerKind, ScoreKind> = { number: 'NQ', choice: 'MCQ', boxes: 'IoU', text: 'F1' };

const isProblem = (item: EvalRow | RowProblem): item is RowProblem => 'message' in item;

type Outcome = { prediction: string } | { error: string };

const failRow = (benchmark: string, id: string, message: string): never => {
  throw new Error(`${benchmark}: row ${id}: ${message} (--strict stops at the first bad row)`);
};

/** `limit` items drawn with the seeded generator, kept in benchmark order. */
function subset<T>(items: T[], limit: number | undefined, seed: number, benchmark: string): T[] {
  if (limit === undefined || limit >= items.length) return items;
  const picked = createRandom(seed, `eval:${benchmark}`).shuffle(items.map((_, i) => i)).slice(0, limit);
  return picked.sort((a, b) => a - b).map((i) => items[i]!);
}

/**
 * Evaluate `policy` on `items` (rows, and problems found while loading them,
 * in benchmark order). Returns the report and writes it under `ctx.dir`.
 */
export async function evaluateRows(
  policy: Policy,
  ctx: BenchmarkContext,
  items: (EvalRow | RowProblem)[],
  settings: EvaluationSettings,
): Promise<BenchmarkReport> {
  const { benchmark } = settings;
  const fail = (id: string, message: string) => failRow(benchmark, id, message);
  const selected = subset(items, ctx.limit, ctx.subsetSeed ?? ctx.seed, benchmark);
  const errors: RowProblem[] = [];
  const rows: EvalRow[] = [];
  const seen = new Set<string>();
  for (const item of selected) {
    if (isProblem(item)) errors.push(item);
    else {
      try {
        if (seen.has(item.id)) throw new Error(`id ${item.id} appears more than once (predictions are keyed by id)`);
        seen.add(item.id);
        scoreAnswer('', item, settings.extraction, 'ground truth'); // a malformed key fails here, not mid-run
        rows.push(item);
      } catch (error) {
        errors.push({ id: item.id, message: (error as Error).message });
      }
    }
  }
  if (ctx.strict && errors.length) fail(errors[0]!.id, errors[0]!.message);

  // a policy that takes video gets the video files of rows that have one, not frames: recorded, so the two never mix
  // (never under the blind control: its frames are blanked; under the swapped control, another room's video)
  if (ctx.blind && ctx.swapped) throw new Error(`${benchmark}: the blind and swapped controls are two evaluations; ask for one at a time`);
  // partners from every well-formed row, not only the subset asked
  const partners = ctx.swapped ? swapPartners(rows, benchmark, items.filter((item): item is EvalRow => !isProblem(item))) : undefined;
  const wholeVideo = !ctx.blind && !!policy.acceptsVideo && rows.some((row) => row.video);
  if (wholeVideo) settings = { ...settings, inputs: { ...settings.inputs, media: 'video' } };
  // temperature and seed asked, but left to a policy's server: recorded as such
  if (policy.serverSampling) settings = { ...settings, inputs: { ...settings.inputs, sampling: 'server' } };
  const { layout: _layout, extraction: _extraction, benchmark: _benchmark, inputs, ...asked } = settings;
  const identity: EvaluationIdentity = {
    format: 1,
    policy: ctx.identity ?? (await policyIdentity(policy)),
    benchmark: { id: benchmark, rows: selected.length, hash: rowsHash(selected) },
    generation: {
      ...asked,
      prePrompt: asked.prePrompt ?? null,
      topP: 1,
      seed: ctx.seed,
      limit: ctx.limit ?? null,
      ...(ctx.limit !== undefined && ctx.subsetSeed !== undefined && { subsetSeed: ctx.subsetSeed }),
      ...inputs,
      ...(ctx.blind && { blind: true }),
      ...(ctx.swapped && { swapped: true }),
    },
  };
  mkdirSync(ctx.dir, { recursive: true });
  return withLock(ctx.dir, { what: `evaluation folder ${ctx.dir}` }, async () => {
    await claimEvaluationFolder(ctx.dir, identity, ctx.existing ?? 'refuse', ctx.log);
    return predictAndScore(policy, ctx, rows, errors, settings, identity, wholeVideo, partners);
  });
}

async function predictAndScore(
  policy: Policy,
  ctx: BenchmarkContext,
  rows: EvalRow[],
  errors: RowProblem[],
  settings: EvaluationSettings,
  identity: EvaluationIdentity,
  wholeVideo: boolean,
  partners?: Map<string, EvalRow>,
): Promise<BenchmarkReport> {
  const { benchmark } = settings;
  const fail = (id: string, message: string) => failRow(benchmark, id, message);
  const file = join(ctx.dir, 'predictions.jsonl');
  const predictions = new Map<string, string>();
  for (const line of readJsonLines<PredictionLine>(file)) if (typeof line.prediction === 'string') predictions.set(line.id, line.prediction);
  const score = (row: EvalRow, prediction: string) => scoreAnswer(prediction, row, settings.extraction, `${benchmark} row ${row.id}`);
  /** Scores of the rows predicted in this run (saved predictions are re-scored below, with the current extraction). */
  const scores = new Map<string, ScoredAnswer>();
  const limit = storedCompletionLimit(settings.maxTokens);

  const pending = rows.filter((row) => !predictions.has(row.id));
  const progress = ctx.progress(benchmark, rows.length);
  if (rows.length > pending.length) {
    ctx.log(`${benchmark}: resumed ${rows.length - pending.length} of ${rows.length} rows already predicted in ${file} (same policy, rows and settings)`);
    progress.tick(rows.length - pending.length, 'resumed');
  }
  const sampling = { maxTokens: settings.maxTokens, temperature: settings.temperature, topP: 1, seed: ctx.seed, n: 1 };

  const record = (row: EvalRow, outcome: Outcome) => {
    if ('error' in outcome) {
      appendJsonLine(file, { id: row.id, type: row.type, error: outcome.error } satisfies PredictionLine);
      errors.push({ id: row.id, message: outcome.error });
      if (ctx.strict) fail(row.id, outcome.error);
    } else {
      const truncated = outcome.prediction.length > limit;
      const prediction = truncated ? outcome.prediction.slice(0, limit) : outcome.prediction;
      const scored = score(row, prediction);
      appendJsonLine(file, { id: row.id, type: row.type, prediction, ...(truncated && { truncated }), ...scored } satisfies PredictionLine);
      predictions.set(row.id, prediction);
      scores.set(row.id, scored);
    }
    progress.tick();
  };

  const prepare = (batch: EvalRow[]) =>
    Promise.all(
      batch.map(async (row) => {
        try {
          const shown = partners?.get(row.id) ?? row; // the row whose media the question is asked with
          const video = wholeVideo && shown.video ? await shown.video() : undefined;
          const input: PolicyInput = {
            system: SYSTEM_PROMPT,
            prompt: [settings.prePrompt, promptText(row, settings.prompt)].filter(Boolean).join('\n'),
            images: video ? [] : ctx.blind ? await blankFrames(await row.images(), ctx.dir) : await shown.images(),
            ...(video ? { video } : {}),
            reference: { id: row.id, task: row.task ?? row.type, answer: row.answer, answerKind: row.answerKind, options: row.options, facts: row.facts },
          };
          return { row, input };
        } catch (error) {
          return { row, error: (error as Error).message };
        }
      }),
    );

  /** One outcome per row; throws only when the whole call failed (a policy that does not fail per row). */
  const generate = async (ready: { row: EvalRow; input: PolicyInput }[]): Promise<Outcome[]> => {
    let outputs: (Generation[] | Error)[];
    try {
      outputs = await policy.generate(ready.map((r) => r.input), sampling);
    } catch (error) {
      if (!(error instanceof GenerationErrors && error.results.length === ready.length)) throw error;
      outputs = error.results;
    }
    if (outputs.length !== ready.length) throw new Error(`policy "${policy.id}" returned ${outputs.length} results for ${ready.length} inputs`);
    return outputs.map((o, i) => {
      if (o instanceof Error) return { error: `policy failed: ${o.message}` };
      const text = o[0]?.text;
      return typeof text === 'string' ? { prediction: text } : { error: `policy "${policy.id}" returned no completion for row ${ready[i]!.row.id}` };
    });
  };

  const batches: EvalRow[][] = [];
  for (let i = 0; i < pending.length; i += ctx.batchSize) batches.push(pending.slice(i, i + ctx.batchSize));
  let next = batches.length ? prepare(batches[0]!) : undefined;
  for (let b = 0; b < batches.length; b++) {
    const prepared = await next!;
    next = b + 1 < batches.length ? prepare(batches[b + 1]!) : undefined; // media of the next batch while the policy works
    const ready = prepared.filter((p): p is { row: EvalRow; input: PolicyInput } => 'input' in p);
    for (const p of prepared) if ('error' in p) record(p.row, { error: p.error! });
    if (!ready.length) continue;
    let outcomes: Outcome[];
    try {
      outcomes = await generate(ready);
    } catch (error) {
      if (ctx.strict || ready.length === 1) {
        for (const p of ready) record(p.row, { error: `policy failed: ${(error as Error).message}` });
        continue;
      }
      // the whole batch failed: ask row by row so one bad row costs only itself
      for (const p of ready) {
        try {
          record(p.row, (await generate([p]))[0]!);
        } catch (single) {
          record(p.row, { error: `policy failed: ${(single as Error).message}` });
        }
      }
      continue;
    }
    outcomes.forEach((outcome, i) => record(ready[i]!.row, outcome));
  }
  progress.done();

  const scored: ScoredRow[] = rows
    .filter((row) => predictions.has(row.id))
    .map((row) => {
      const { score: value, valid } = scores.get(row.id) ?? score(row, predictions.get(row.id)!);
      return { type: row.type, kind: SCORE_KIND[row.answerKind], modality: row.modality, score: value, ...(valid !== undefined && { valid }) };
    });
  const aggregate = aggregateScores(scored, settings.layout);
  const report: BenchmarkReport = {
    benchmark,
    policy: identity.policy,
    ...aggregate,
    intervals: scoreIntervals(scored, aggregate.scores, benchmark),
    settings: {
      policy: policy.id,
      prompt: settings.prompt,
      extraction: settings.extraction,
      maxTokens: settings.maxTokens,
      temperature: settings.temperature,
      ...settings.inputs,
      ...(ctx.blind && { blind: true }),
      ...(ctx.swapped && { swapped: true }),
      rows: rows.length,
      scored: scored.length,
      limit: ctx.limit ?? null,
      ...(ctx.limit !== undefined && ctx.subsetSeed !== undefined && { subsetSeed: ctx.subsetSeed }),
      seed: ctx.seed,
    },
  };
  if (errors.length) report.errors = errors;
  await writeJsonAtomic(join(ctx.dir, 'report.json'), report);
  await writeFileAtomic(join(ctx.dir, 'report.md'), benchmarkMarkdown(report));
  if (errors.length) ctx.log(`${benchmark}: ${errors.length} row(s) could not be scored; see report.json (errors) and ${file}`);
  return report;
}
