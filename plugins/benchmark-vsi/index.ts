/**
 * benchmark-vsi: VSI-Bench (Yang et al., 2025), benchmark id "vsi-bench".
 * Rows come from the benchmark's parquet file; each question's video is
 * `<videos>/<dataset>/<scene_name>.mp4` and the policy sees `frames` evenly
 * spaced frames of it (32 in the paper), sampled with ffmpeg and cached.
 * Scored per question type (rel-direction levels averaged first), NQ / MCQ /
 * Avg as in the paper's Table 1. "vsi-bench-debiased" is VSI-Bench-Debiased
 * (Brown et al., 2025): the rows of the same file whose `pruned` is false.
 *
 * `setting: 'lmms-eval'` asks and scores exactly as lmms-eval's VSI-Bench
 * task does (its pre-prompt and post prompts, 16 new tokens, greedy, its
 * answer parser), so scores compare with published tables.
 *
 *   plugins: [['benchmark-vsi', { root: '/data/vsi-bench', setting: 'lmms-eval' }]]
 *   ladder eval --model openai --benchmark vsi-bench
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, definePlugin, z, type Benchmark } from '../../core/index.ts';
import { findFfmpeg, sampleFrames } from '../../lib/media/index.ts';
import {
  evaluateRows,
  evaluationOptions,
  evaluationSettings,
  frameCacheDir,
  frameOptions,
  parquetIn,
  parquetItems,
  resolveVideo,
  VSI_LAYOUT,
  type EvaluationSettings,
} from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'benchmark-vsi';
export const BENCHMARK_ID = 'vsi-bench';
export const DEBIASED_ID = 'vsi-bench-debiased';
const COLUMNS = ['id', 'dataset', 'scene_name', 'question_type', 'question', 'ground_truth', 'options'];
/** The full set as the Hugging Face release names it (`test-00000-of-00001.parquet`), beside `test_debiased.parquet` and `test_pruned.parquet`. */
const FULL_SET = (file: string) => /^test-\d+-of-\d+\.parquet$/.test(file);

/**
 * lmms-eval's VSI-Bench task (`lmms_eval/tasks/vsibench`: vsibench.yaml and
 * utils.py): "These are frames of a video." before the question, its post
 * prompts, `max_new_tokens: 16`, greedy decoding, and its answer parser.
 */
export const LMMS_EVAL_SETTING = {
  prompt: 'lmms-eval',
  prePrompt: 'These are frames of a video.',
  maxTokens: 16,
  temperature: 0,
  extraction: 'vsi-bench',
} as const satisfies Partial<EvaluationSettings>;

/** `setting: 'lmms-eval'` fixes these options: another value is a config error, so a reproduction never runs altered. */
function checkReproduction(opts: Partial<Record<keyof typeof LMMS_EVAL_SETTING, unknown>>): void {
  for (const key of Object.keys(LMMS_EVAL_SETTING) as (keyof typeof LMMS_EVAL_SETTING)[]) {
    const value = opts[key];
    const fixed = key === 'prompt' ? value === 'auto' : value === undefined || value === LMMS_EVAL_SETTING[key];
    if (!fixed)
      throw new ConfigError(
        `${PLUGIN_NAME}: option ${key}: ${JSON.stringify(value)} conflicts with setting 'lmms-eval' (which uses ${JSON.stringify(LMMS_EVAL_SETTING[key])}); remove the option, or the setting`,
      );
  }
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** The benchmark's directory (as downloaded: the parquet file and one folder of videos per source dataset). */
    root: z.string().min(1),
    /** Parquet file, relative to root (default: the full set `test-*-of-*.parquet`, else the one *.parquet file in root). */
    parquet: z.string().min(1).optional(),
    /** Directory holding `<dataset>/<scene_name>.mp4`, relative to root (default: root). */
    videos: z.string().min(1).optional(),
    ...frameOptions,
    ...evaluationOptions,
    /** "ladder" (default): the options above; "lmms-eval": lmms-eval's prompts, 16 tokens, greedy, its parser. */
    setting: z.enum(['ladder', 'lmms-eval']).default('ladder'),
  }),
  apply(ladder, opts) {
    if (opts.setting === 'lmms-eval') checkReproduction(opts);
    const root = resolve(opts.root);
    const videos = resolve(root, opts.videos ?? '.');
    const cacheDir = frameCacheDir(opts.cacheDir, ladder.config.cacheDir);
    const benchmark = (id: string, debiased: boolean): Benchmark => ({
      id,
      blind: true,
      async evaluate(policy, ctx) {
        if (!existsSync(root)) throw new ConfigError(`${PLUGIN_NAME}: option root: ${root} does not exist`);
        if (!existsSync(videos)) throw new ConfigError(`${PLUGIN_NAME}: option videos: ${videos} does not exist`);
        if (policy.acceptsVideo && !ctx.blind) ctx.log(`${BENCHMARK_ID}: each video sent whole (policy ${policy.id} takes video; the server picks the frames)`);
        else {
          const ffmpeg = findFfmpeg(); // no ffmpeg: one clear error, not one per row
          ctx.log(`${BENCHMARK_ID}: ${opts.frames} frames per video by ffmpeg ${ffmpeg.version} (${ffmpeg.via}), cached in ${cacheDir}`);
        }
        const file = parquetIn(root, opts.parquet, FULL_SET);
        ctx.log(`${id}: questions from ${file}${debiased ? ' whose `pruned` is false' : ''}`);
        const columns = debiased ? [...COLUMNS, 'pruned'] : COLUMNS;
        const items = await parquetItems(file, columns, (q, values) => {
          if (typeof values.dataset !== 'string' || !values.dataset) throw new Error('dataset: missing or empty');
          if (debiased && values.pruned !== false) throw new Error(`pruned: expected true or false, got ${JSON.stringify(values.pruned ?? null)}`);
          const video = `${values.dataset}/${q.scene}.mp4`;
          return {
            ...q,
            media: [video],
            images: async () => sampleFrames(resolveVideo(videos, video), { count: opts.frames, cacheDir }),
            video: async () => resolveVideo(videos, video),
          };
        }, (values) => !debiased || values.pruned !== true);
        const settings = evaluationSettings(id, opts, ctx, VSI_LAYOUT, { frames: opts.frames });
        if (opts.setting === 'lmms-eval') Object.assign(settings, LMMS_EVAL_SETTING, { inputs: { ...settings.inputs, setting: 'lmms-eval' } });
        return evaluateRows(policy, ctx, items, settings);
      },
    });
    ladder.hooks.benchmarks.for(BENCHMARK_ID).tap(PLUGIN_NAME, () => benchmark(BENCHMARK_ID, false));
    ladder.hooks.benchmarks.for(DEBIASED_ID).tap(PLUGIN_NAME, () => benchmark(DEBIASED_ID, true));
  },
});
