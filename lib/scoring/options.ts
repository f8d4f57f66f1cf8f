/**
 * Options every benchmark plugin accepts (validated with zod, so a bad value
 * is reported as `plugins[i].options.<key>`), and the settings they become.
 */
import { resolve } from 'node:path';
import { ConfigError, z } from '../../core/index.ts';
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
  /** "spec" (default): docs/method.md#answer-extraction; "vsi-bench": lmms-eval's VSI-Bench parser; "spatialladder(-think)": SpatialLadder's evaluator; each exactly. */
  extraction: z.enum(EXTRACTION_MODES).optional(),
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

/**
 * Evaluators reproduced exactly, the benchmark plugins' `setting`: each fixes
 * how a row is asked and parsed, so a score compares with the tables that
 * evaluator made. `lmms-eval`: lmms-eval's VSI-Bench task (open models);
 * `spatialladder`: SpatialLadder's released evaluator with its thinking
 * prompt (its default), `spatialladder-direct` with its direct one. Their
 * sampling (temperature 0.01) is greedy in effect: here greedy.
 */
export const REPRODUCTIONS = {
  'lmms-eval': { prompt: 'lmms-eval', prePrompt: 'These are frames of a video.', maxTokens: 16, temperature: 0, extraction: 'vsi-bench' },
  spatialladder: { prompt: 'spatialladder-think', prePrompt: undefined, maxTokens: 1024, temperature: 0, extraction: 'spatialladder-think' },
  'spatialladder-direct': { prompt: 'spatialladder', prePrompt: undefined, maxTokens: 128, temperature: 0, extraction: 'spatialladder' },
} as const satisfies Record<string, Pick<EvaluationSettings, 'prompt' | 'prePrompt' | 'maxTokens' | 'temperature' | 'extraction'>>;
/** A benchmark plugin's `setting`: `ladder` (the options as given) or a reproduced evaluator. */
export type Reproduction = 'ladder' | keyof typeof REPRODUCTIONS;

/**
 * The options a reproduction fixes must be left unset (or set to its
 * values): another value is a config error naming the option, so a run
 * labelled a reproduction never runs altered.
 */
export function checkReproduction(setting: Reproduction, opts: EvaluationOptions, plugin: string): void {
  if (setting === 'ladder') return;
  const fixed = REPRODUCTIONS[setting];
  for (const key of ['prompt', 'prePrompt', 'maxTokens', 'temperature', 'extraction'] as const) {
    const value = opts[key];
    const kept = key === 'prompt' ? value === 'auto' : value === undefined || value === fixed[key] || (key === 'prePrompt' && value === '' && !fixed.prePrompt);
    if (!kept)
      throw new ConfigError(
        `${plugin}: option ${key}: ${JSON.stringify(value)} conflicts with setting '${setting}' (which uses ${JSON.stringify(fixed[key] ?? null)}); remove the option, or the setting`,
      );
  }
}

/** The settings of a reproduction (recorded as `setting` in the report); under `ladder` the settings as they are. */
export const reproduce = (settings: EvaluationSettings, setting: Reproduction): EvaluationSettings =>
  setting === 'ladder' ? settings : { ...settings, ...REPRODUCTIONS[setting], inputs: { ...settings.inputs, setting } };

/** The frame cache directory: the option, else `<config cacheDir>/frames`, absolute. */
export const frameCacheDir = (option: string | undefined, configCacheDir: string): string =>
  resolve(option ?? resolve(configCacheDir, 'frames'));
