/**
 * Options every benchmark plugin accepts (validated with zod, so a bad value
 * is reported as `plugins[i].options.<key>`), and the settings they become.
 */
import { resolve } from 'node:path';
import { z } from '../../core/index.ts';
import type { TypeLayout } from './aggregate.ts';
import { DEFAULT_MAX_TOKENS, type EvaluationSettings } from './evaluate.ts';
import { EXTRACTION_MODES } from './extract.ts';

export const evaluationOptions = {
  /**
   * How benchmarks ask (lib/prompts): `direct` (stage-2 post prompts),
   * `think` (stage-3 <think>/<answer> prompts), or `auto`: the way the
   * checkpoint was last trained (`BenchmarkContext.promptStyle`), else direct.
   */
  prompt: z.enum(['auto', 'direct', 'think']).default('auto'),
  /** "spec" (default): docs/method.md#answer-extraction; "vsi-bench": lmms-eval's VSI-Bench parser, exactly. */
  extraction: z.enum(EXTRACTION_MODES as ['spec', 'vsi-bench']).optional(),
  /** Text before each question (default none; lmms-eval's VSI-Bench prompt starts with "These are frames of a video."). */
  prePrompt: z.string().optional(),
  /** Completion budget (default 128 direct, 1024 think). */
  maxTokens: z.number().int().positive().optional(),
  /** Sampling temperature (default 0: greedy). */
  temperature: z.number().min(0).optional(),
};

export const frameOptions = {
  /** Evenly spaced frames per video. */
  frames: z.number().int().positive().default(32),
  /** Where sampled frames are cached (default <cacheDir>/frames). */
  cacheDir: z.string().min(1).optional(),
};

export type EvaluationOptions = z.output<z.ZodObject<typeof evaluationOptions>>;

/** The prompt style to ask with: the option, or under `auto` the style the checkpoint was trained with. */
function resolvePromptStyle(option: EvaluationOptions['prompt'], trainedWith: string | undefined): 'direct' | 'think' {
  if (option !== 'auto') return option;
  return trainedWith === 'think' ? 'think' : 'direct';
}

export function evaluationSettings(
  benchmark: string,
  opts: EvaluationOptions,
  ctx: { promptStyle?: string },
  layout?: TypeLayout,
  inputs?: Record<string, unknown>,
): EvaluationSettings {
  const prompt = resolvePromptStyle(opts.prompt, ctx.promptStyle);
  return {
    benchmark,
    prompt,
    extraction: opts.extraction ?? 'spec',
    prePrompt: opts.prePrompt || undefined,
    maxTokens: opts.maxTokens ?? DEFAULT_MAX_TOKENS[prompt],
    temperature: opts.temperature ?? 0,
    layout,
    inputs,
  };
}

/** The frame cache directory: the option, else `<config cacheDir>/frames`, absolute. */
export const frameCacheDir = (option: string | undefined, configCacheDir: string): string =>
  resolve(option ?? resolve(configCacheDir, 'frames'));
