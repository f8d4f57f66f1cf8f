/**
 * benchmark-vsi: VSI-Bench (Yang et al., 2025), benchmark id "vsi-bench".
 * Rows come from the benchmark's parquet file; each question's video is
 * `<videos>/<dataset>/<scene_name>.mp4` and the policy sees `frames` evenly
 * spaced frames of it (32 in the paper), sampled with ffmpeg and cached.
 * Scored per question type (rel-direction levels averaged first), NQ / MCQ /
 * Avg as in the paper's Table 1. "vsi-bench-debiased" is VSI-Bench-Debiased
 * (Brown et al., 2025): the release's `test_debiased.parquet` when it lies in
 * root, else the rows of the full set whose `pruned` is false.
 *
 * `setting: 'lmms-eval'` asks and scores exactly as lmms-eval's VSI-Bench
 * task does (its pre-prompt and post prompts, 16 new tokens, greedy, its
 * answer parser), so scores compare with published tables; `setting:
 * 'spatialladder'` as SpatialLadder's released evaluator does.
 *
 *   plugins: [['benchmark-vsi', { root: '/data/vsi-bench', setting: 'lmms-eval' }]]
 *   ladder eval --model openai --benchmark vsi-bench
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, definePlugin, z, type Benchmark } from '../../core/index.ts';
import { findFfmpeg, sampleFrames } from '../../lib/media/index.ts';
import {
  checkReproduction,
  evaluateRows,
  evaluationOptions,
  evaluationSettings,
  frameCacheDir,
  frameOptions,
  parquetIn,
  parquetItems,
  reproduce,
  resolveVideo,
  symlinksOption,
  VSI_LAYOUT,
} from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'benchmark-vsi';
export const BENCHMARK_ID = 'vsi-bench';
export const DEBIASED_ID = 'vsi-bench-debiased';
const COLUMNS = ['id', 'dataset', 'scene_name', 'question_type', 'question', 'ground_truth', 'options'];
/** The full set as the Hugging Face release names it (`test-00000-of-00001.parquet`), beside `test_debiased.parquet` and `test_pruned.parquet`. */
const FULL_SET = (file: string) => /^test-\d+-of-\d+\.parquet$/.test(file);
/** The release's VSI-Bench-Debiased file: every row kept, whether or not the full set beside it has the `pruned` column. */
const DEBIASED_SET = 'test_debiased.parquet';

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
    ...symlinksOption,
    /** "ladder" (default): the options above; "lmms-eval", "spatialladder", "spatialladder-direct": that evaluator exactly (lib/scoring REPRODUCTIONS). */
    setting: z.enum(['ladder', 'lmms-eval', 'spatialladder', 'spatialladder-direct']).default('ladder'),
  }),
  apply(ladder, opts) {
    const { setting } = opts;
    checkReproduction(setting, opts, PLUGIN_NAME);
    const root = resolve(opts.root);
    const videos = resolve(root, opts.videos ?? '.');
    const cacheDir = frameCacheDir(opts.cacheDir, ladder.config.cacheDir);
    const benchmark = (id: string, debiased: boolean): Benchmark => ({
      id,
      blind: true,
      swapped: true,
      async evaluate(policy, ctx) {
        if (!existsSync(root)) throw new ConfigError(`${PLUGIN_NAME}: option root: ${root} does not exist`);
        if (!existsSync(videos)) throw new ConfigError(`${PLUGIN_NAME}: option videos: ${videos} does not exist`);
        if (policy.acceptsVideo && !ctx.blind) ctx.log(`${id}: each video sent whole (policy ${policy.id} takes video; the server picks the frames)`);
        else {
          const ffmpeg = findFfmpeg(); // no ffmpeg: one clear error, not one per row
          ctx.log(`${id}: ${opts.frames} frames per video by ffmpeg ${ffmpeg.version} (${ffmpeg.via}), cached in ${cacheDir}`);
        }
        const subset = debiased && !opts.parquet && existsSync(join(root, DEBIASED_SET));
        const file = subset ? join(root, DEBIASED_SET) : parquetIn(root, opts.parquet, FULL_SET);
        const filtered = debiased && !subset;
        ctx.log(`${id}: questions from ${file}${filtered ? ' whose `pruned` is false' : ''}`);
        const columns = filtered ? [...COLUMNS, 'pruned'] : COLUMNS;
        const items = await parquetItems(file, columns, (q, values) => {
          if (typeof values.dataset !== 'string' || !values.dataset) throw new Error('dataset: missing or empty');
          if (filtered && values.pruned !== false) throw new Error(`pruned: expected true or false, got ${JSON.stringify(values.pruned ?? null)}`);
          const video = `${values.dataset}/${q.scene}.mp4`;
          return {
            ...q,
            media: [video],
            images: async () => sampleFrames(resolveVideo(videos, video, 'video', opts.symlinks), { count: opts.frames, cacheDir }),
            video: async () => resolveVideo(videos, video, 'video', opts.symlinks),
          };
        }, (values) => !filtered || values.pruned !== true);
        const settings = evaluationSettings(id, opts, ctx, VSI_LAYOUT, { frames: opts.frames });
        return evaluateRows(policy, ctx, items, reproduce(settings, setting));
      },
    });
    ladder.hooks.benchmarks.for(BENCHMARK_ID).tap(PLUGIN_NAME, () => benchmark(BENCHMARK_ID, false));
    ladder.hooks.benchmarks.for(DEBIASED_ID).tap(PLUGIN_NAME, () => benchmark(DEBIASED_ID, true));
  },
});
