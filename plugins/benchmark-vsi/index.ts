/**
 * benchmark-vsi: VSI-Bench (Yang et al., 2025), benchmark id "vsi-bench".
 * Rows come from the benchmark's parquet file; each question's video is
 * `<videos>/<dataset>/<scene_name>.mp4` and the policy sees `frames` evenly
 * spaced frames of it (32 in the paper), sampled with ffmpeg and cached.
 * Scored per question type (rel-direction levels averaged first), NQ / MCQ /
 * Avg as in the paper's Table 1.
 *
 *   plugins: [['benchmark-vsi', { root: '/data/vsi-bench' }]]
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
} from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'benchmark-vsi';
export const BENCHMARK_ID = 'vsi-bench';
const COLUMNS = ['id', 'dataset', 'scene_name', 'question_type', 'question', 'ground_truth', 'options'];

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** The benchmark's directory (as downloaded: the parquet file and one folder of videos per source dataset). */
    root: z.string().min(1),
    /** Parquet file, relative to root (default: the one *.parquet file in root). */
    parquet: z.string().min(1).optional(),
    /** Directory holding `<dataset>/<scene_name>.mp4`, relative to root (default: root). */
    videos: z.string().min(1).optional(),
    ...frameOptions,
    ...evaluationOptions,
  }),
  apply(ladder, opts) {
    const root = resolve(opts.root);
    const videos = resolve(root, opts.videos ?? '.');
    const cacheDir = frameCacheDir(opts.cacheDir, ladder.config.cacheDir);
    const benchmark: Benchmark = {
      id: BENCHMARK_ID,
      async evaluate(policy, ctx) {
        if (!existsSync(root)) throw new ConfigError(`${PLUGIN_NAME}: option root: ${root} does not exist`);
        if (!existsSync(videos)) throw new ConfigError(`${PLUGIN_NAME}: option videos: ${videos} does not exist`);
        const ffmpeg = findFfmpeg(); // no ffmpeg: one clear error, not one per row
        ctx.log(`${BENCHMARK_ID}: ${opts.frames} frames per video by ffmpeg ${ffmpeg.version} (${ffmpeg.via}), cached in ${cacheDir}`);
        const items = await parquetItems(parquetIn(root, opts.parquet), COLUMNS, (q, values) => {
          if (typeof values.dataset !== 'string' || !values.dataset) throw new Error('dataset: missing or empty');
          const video = `${values.dataset}/${q.scene}.mp4`;
          return {
            ...q,
            media: [video],
            images: async () => sampleFrames(resolveVideo(videos, video), { count: opts.frames, cacheDir }),
          };
        });
        return evaluateRows(policy, ctx, items, evaluationSettings(BENCHMARK_ID, opts, ctx, VSI_LAYOUT, { frames: opts.frames }));
      },
    };
    ladder.hooks.benchmarks.for(BENCHMARK_ID).tap(PLUGIN_NAME, () => benchmark);
  },
});
