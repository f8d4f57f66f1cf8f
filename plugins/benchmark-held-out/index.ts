/**
 * benchmark-held-out: the run's own task generators on held-out scenes
 * (samples with `split: "held-out"` in the dataset), benchmark id
 * "held-out". Scores per task (the seven spatial dimensions), NQ / MCQ /
 * Avg, and per (task, modality) so the dimension x modality table can be
 * drawn; localization samples are scored by IoU, per modality only. Before
 * scoring it checks that no held-out scene appears in the training samples.
 *
 *   evaluate: { benchmarks: ['held-out'] }
 */
import { resolve } from 'node:path';
import { definePlugin, SPATIAL_TASKS, z, type Benchmark, type Sample } from '../../core/index.ts';
import { sampleFrames } from '../../lib/media/index.ts';
import {
  evaluateRows,
  evaluationOptions,
  evaluationSettings,
  frameCacheDir,
  frameOptions,
  resolveImage,
  resolveVideo,
  type EvalRow,
} from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'benchmark-held-out';
export const BENCHMARK_ID = 'held-out';

/** Task ids in the paper's column order (Table 6), then localization. */
export const TASK_ORDER = [...SPATIAL_TASKS, 'localization'];

/** Scenes of held-out samples that also appear in training samples (must be none). */
export function sceneOverlap(samples: readonly Sample[]): string[] {
  const train = new Set(samples.filter((s) => (s.split ?? 'train') === 'train').map((s) => s.scene));
  return [...new Set(samples.filter((s) => s.split === 'held-out' && train.has(s.scene)).map((s) => s.scene))].sort();
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({ ...frameOptions, ...evaluationOptions }),
  apply(ladder, opts) {
    const cacheDir = frameCacheDir(opts.cacheDir, ladder.config.cacheDir);
    const benchmark: Benchmark = {
      id: BENCHMARK_ID,
      usesDataset: true,
      blind: true,
      async evaluate(policy, ctx) {
        const dataset = ctx.dataset;
        if (!dataset) throw new Error(`${BENCHMARK_ID}: no dataset was passed (the benchmark is built from the dataset's held-out samples)`);
        const overlap = sceneOverlap(dataset.samples);
        if (overlap.length)
          throw new Error(
            `${BENCHMARK_ID}: ${overlap.length} held-out scene(s) also appear in training samples: ` +
              `${overlap.slice(0, 10).join(', ')}${overlap.length > 10 ? ', ...' : ''}`,
          );
        const samples = dataset.samples.filter((s) => s.split === 'held-out');
        if (!samples.length) throw new Error(`${BENCHMARK_ID}: the dataset in ${dataset.dir} has no held-out samples (split: "held-out")`);
        const root = resolve(dataset.dir);
        const items = samples.map((sample): EvalRow => ({
          id: sample.id,
          type: sample.task,
          modality: sample.modality,
          task: sample.task,
          question: sample.question,
          options: sample.options,
          answer: sample.answer,
          answerKind: sample.answerKind,
          facts: sample.facts,
          media: sample.media.images.length ? sample.media.images : sample.media.video ? [sample.media.video] : [],
          images: async () => {
            const { images, video } = sample.media;
            if (!images.length && video) return sampleFrames(resolveVideo(root, video), { count: opts.frames, cacheDir });
            return Promise.all(images.map((image) => resolveImage(root, image)));
          },
        }));
        // the dataset's content hash: same relative media names in another build are other pixels
        const inputs = { frames: opts.frames, dataset: dataset.manifest.hash ?? dataset.dir };
        return evaluateRows(policy, ctx, items, evaluationSettings(BENCHMARK_ID, opts, ctx, { order: TASK_ORDER }, inputs));
      },
    };
    ladder.hooks.benchmarks.for(BENCHMARK_ID).tap(PLUGIN_NAME, () => benchmark);
  },
});
