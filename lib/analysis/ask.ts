/**
 * Asking a policy many questions, resumably: inputs go in fixed batches
 * (the same batches whatever was done before, so a killed analysis ends
 * with the answers an uninterrupted one gets), each batch sampled with a
 * seed of its own and recorded when all its inputs were answered.
 */
import { GenerationErrors, hash32, type AnalysisPoint, type AnalysisRecords, type OpenedPolicy, type PolicyInput, type ProgressTicker, type Sample, type SamplingOptions } from '../../core/index.ts';
import type { PromptStyle } from '../prompts/index.ts';

export interface AskItem {
  id: string;
  input: PolicyInput;
}

export interface AskOptions {
  /** Names this set of questions in record keys (e.g. "hints/boxes"). */
  label: string;
  /** Inputs per policy call. */
  batch: number;
  sampling: Omit<SamplingOptions, 'seed'>;
  /** Each batch samples with a seed derived from this one, the label and the batch's index. */
  seed: number;
  progress?: ProgressTicker;
}

interface BatchRecord {
  ids: string[];
  completions: string[][];
}

/**
 * `sampling.n` completions per item, or the error the policy gave for it
 * (a served model failing some inputs); recorded batches are not asked again.
 */
export async function askRecorded(records: AnalysisRecords, opened: OpenedPolicy, items: AskItem[], opts: AskOptions): Promise<(string[] | Error)[]> {
  const out: (string[] | Error)[] = new Array(items.length);
  for (let b = 0; b * opts.batch < items.length; b++) {
    const batch = items.slice(b * opts.batch, (b + 1) * opts.batch);
    const key = `${opened.key}/${opts.label}/batch-${b}`;
    const ids = batch.map((i) => i.id);
    const saved = records.get<BatchRecord>(key);
    let answers: (string[] | Error)[];
    if (saved && saved.ids.join('\n') === ids.join('\n')) answers = saved.completions;
    else {
      const sampling = { ...opts.sampling, seed: hash32(`${opts.seed}:${opts.label}:${b}`) };
      try {
        answers = (await opened.policy.generate(batch.map((i) => i.input), sampling)).map((g) => g.map((x) => x.text));
      } catch (error) {
        if (!(error instanceof GenerationErrors) || error.results.length !== batch.length) throw error;
        answers = error.results.map((r) => (r instanceof Error ? r : r.map((x) => x.text)));
      }
      if (answers.length !== batch.length) throw new Error(`policy "${opened.policy.id}" returned ${answers.length} results for ${batch.length} inputs`);
      if (answers.every((a) => Array.isArray(a))) records.put(key, { ids, completions: answers } satisfies BatchRecord);
    }
    answers.forEach((a, i) => (out[b * opts.batch + i] = a));
    opts.progress?.tick(batch.length);
  }
  return out;
}

/** How to ask a checkpoint: the way it was trained (think after stage 3), else direct. */
export const promptStyleOf = (point: Pick<AnalysisPoint, 'promptStyle'>): PromptStyle => (point.promptStyle === 'think' ? 'think' : 'direct');

/** What every analysis records of a checkpoint it asked: its label, folder, fingerprint and the prompt style used. */
export const pointHeader = (point: Pick<AnalysisPoint, 'label' | 'checkpoint'>, opened: OpenedPolicy, prompt: PromptStyle) => ({
  label: point.label,
  checkpoint: point.checkpoint,
  fingerprint: opened.identity.fingerprint,
  prompt,
});

/** `summarize` of each task's rows, keyed by task in order of first appearance. */
export function byTask<R extends { task: string }, S>(rows: readonly R[], summarize: (rows: R[]) => S): Record<string, S> {
  const tasks = [...new Set(rows.map((r) => r.task))];
  return Object.fromEntries(tasks.map((task) => [task, summarize(rows.filter((r) => r.task === task))]));
}

/** `limit` samples `keep` accepts, drawn with the seeded generator, in dataset order (all of them without a limit). */
export function pickSamples(samples: readonly Sample[], keep: (s: Sample) => boolean, limit: number | undefined, random: { shuffle<T>(items: T[]): T[] }): Sample[] {
  const kept = samples.filter(keep);
  if (limit === undefined || limit >= kept.length) return kept;
  const picked = new Set(random.shuffle(kept.map((_, i) => i)).slice(0, limit));
  return kept.filter((_, i) => picked.has(i));
}

/** "3 of 40 questions could not be asked (first: ...)" for inputs that failed, else undefined. */
export function failures(results: readonly (string[] | Error)[], what = 'questions'): string | undefined {
  const failed = results.filter((r): r is Error => r instanceof Error);
  return failed.length ? `${failed.length} of ${results.length} ${what} could not be asked (first: ${failed[0]!.message})` : undefined;
}
