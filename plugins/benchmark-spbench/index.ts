/**
 * benchmark-spbench: SPBench-SI (1,009 single-image questions) and SPBench-MV
 * (319 multi-view questions), the paper's benchmarks built from ScanNet
 * validation scenes; ids "spbench-si" and "spbench-mv". Rows come from each
 * benchmark's parquet file (the VSI-Bench columns plus `images`, file names
 * under `<images>/<scene_name>/`). Scored like VSI-Bench: per question type,
 * NQ / MCQ / Avg (paper Tables 1, 11 and 12).
 *
 *   plugins: [['benchmark-spbench', { si: '/data/SPBench-SI', mv: '/data/SPBench-MV' }]]
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ConfigError, definePlugin, z, type Benchmark } from '../../core/index.ts';
import {
  checkReproduction,
  evaluateRows,
  evaluationOptions,
  evaluationSettings,
  parquetIn,
  parquetItems,
  reproduce,
  resolveImage,
  symlinksOption,
  VSI_LAYOUT,
} from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'benchmark-spbench';
const COLUMNS = ['id', 'scene_name', 'question_type', 'question', 'ground_truth', 'options', 'images'];

/** A benchmark's files: its root, or { root, parquet, images }. */
const location = z.union([
  z.string().min(1),
  z.strictObject({
    root: z.string().min(1),
    /** Parquet file, relative to root (default: `SPBench-SI.parquet` / `SPBench-MV.parquet`, else the one *.parquet file in root). */
    parquet: z.string().min(1).optional(),
    /** Image folder holding `<scene_name>/<image>`, relative to root (default: `images`, else `SPBench-SI-images` / `SPBench-MV-images`). */
    images: z.string().min(1).optional(),
  }),
]);

const IDS = { si: 'spbench-si', mv: 'spbench-mv' } as const;
/** File names of the Hugging Face release (hongxingli/SPBench), where both benchmarks share one folder. */
const RELEASE = { si: 'SPBench-SI', mv: 'SPBench-MV' } as const;

/** The image folder: the option, else `images` (SpatialLadder's evaluation layout), else the release's unzipped `<name>-images`; a config error when it does not exist. */
function imageFolder(root: string, key: keyof typeof RELEASE, option: string | undefined): string {
  if (option) {
    const images = resolve(root, option);
    if (!existsSync(images)) throw new ConfigError(`${PLUGIN_NAME}: option ${key}: image folder ${images} does not exist`);
    return images;
  }
  const candidates = ['images', `${RELEASE[key]}-images`].map((name) => resolve(root, name));
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new ConfigError(`${PLUGIN_NAME}: option ${key}: no image folder in ${root} (looked for ${candidates.map((d) => basename(d)).join(' and ')}; set \`images\`)`);
  return found;
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** SPBench-SI's directory (or { root, parquet, images }). */
    si: location.optional(),
    /** SPBench-MV's directory (or { root, parquet, images }). */
    mv: location.optional(),
    ...evaluationOptions,
    ...symlinksOption,
    /** "ladder" (default): the options above; "spatialladder", "spatialladder-direct": SpatialLadder's released evaluator exactly. */
    setting: z.enum(['ladder', 'spatialladder', 'spatialladder-direct']).default('ladder'),
  }),
  apply(ladder, opts) {
    const { setting } = opts;
    checkReproduction(setting, opts, PLUGIN_NAME);
    for (const key of ['si', 'mv'] as const) {
      const id = IDS[key];
      const option = opts[key];
      const where = typeof option === 'string' ? { root: option } : option;
      const benchmark: Benchmark = {
        id,
        blind: true,
        swapped: true,
        async evaluate(policy, ctx) {
          if (!where) throw new ConfigError(`${PLUGIN_NAME}: set the \`${key}\` option to ${id}'s directory (plugins: [['${PLUGIN_NAME}', { ${key}: '/data/...' }]])`);
          const root = resolve(where.root);
          if (!existsSync(root)) throw new ConfigError(`${PLUGIN_NAME}: option ${key}: ${root} does not exist`);
          const images = imageFolder(root, key, where.images);
          const file = parquetIn(root, where.parquet, (f) => f === `${RELEASE[key]}.parquet`);
          ctx.log(`${id}: questions from ${file}, images from ${images}`);
          const items = await parquetItems(file, COLUMNS, (q, values) => {
            const names = values.images;
            if (!Array.isArray(names) || !names.length || !names.every((n) => typeof n === 'string' && n))
              throw new Error(`images: expected a non-empty list of file names, got ${JSON.stringify(names ?? null)}`);
            const media = (names as string[]).map((name) => `${q.scene}/${name}`);
            return { ...q, media, images: () => Promise.all(media.map((path) => resolveImage(images, path, 'image', opts.symlinks))) };
          });
          const settings = evaluationSettings(id, opts, ctx, VSI_LAYOUT);
          return evaluateRows(policy, ctx, items, reproduce(settings, setting));
        },
      };
      ladder.hooks.benchmarks.for(id).tap(PLUGIN_NAME, () => benchmark);
    }
  },
});
