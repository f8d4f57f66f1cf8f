/**
 * benchmark-held-out: the run's own task generators on held-out scenes
 * (samples with `split: "held-out"` in the dataset), benchmark id
 * "held-out"; and the same on the validation scenes (`split:
 * "validation"`), benchmark id "validation", the one to tune on; and
 * "training", a fixed, evenly spaced sample of the training split (option
 * `trainingRows`): how well a checkpoint fits what it was trained on, to
 * read beside held-out. Scores per task (the seven spatial dimensions), NQ /
 * MCQ / Avg, and per (task, modality) so the dimension x modality table can
 * be drawn; localization samples are scored by IoU, per modality only.
 * Before scoring held-out or validation rows it checks that none of their
 * scenes appears in another split.
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

/** The benchmark that scores the dataset's validation split (its scenes are neither trained on nor held out): for tuning. */
export const VALIDATION_ID = 'validation';

/** The benchmark that scores a fixed sample of the training split: fit, against held-out's generalisation. */
export const TRAINING_ID = 'training';

type Split = NonNullable<Sample['split']>;

/** At most `count` samples of `split`, evenly spaced in dataset order (all when there are fewer): the same rows for every run on a dataset. */
export function splitRows(samples: readonly Sample[], split: Split, count = Infinity): Sample[] {
  const rows = samples.filter((s) => (s.split ?? 'train') === split);
  if (rows.length <= count) return rows;
  return Array.from({ length: count }, (_, i) => rows[Math.floor((i * rows.length) / count)]!);
}

/** Scenes of `split` samples that also appear in samples of another split (must be none). */
export function sceneOverlap(samples: readonly Sample[], split: 'held-out' | 'validation' = 'held-out'): string[] {
  const others = new Set(samples.filter((s) => (s.split ?? 'train') !== split).map((s) => s.scene));
  return [...new Set(samples.filter((s) => s.split === split && others.has(s.scene)).map((s) => s.scene))].sort();
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    ...frameOptions,
    ...evaluationOptions,
    /** Rows of the `training` benchmark: evenly spaced over the training samples. */
    trainingRows: z.number().int().positive().default(600),
  }),
  apply(ladder, opts) {
    const cacheDir = frameCacheDir(opts.cacheDir, ladder.config.cacheDir);
    /** `rows`: at most that many, evenly spaced (the training sample); without it every row of the split. */
    const benchmarkOf = (id: string, split: Split, rows?: number): Benchmark => ({
      id,
      usesDataset: true,
      blind: true,
      swapped: true,
      async evaluate(policy, ctx) {
        const dataset = ctx.dataset;
        if (!dataset) throw new Error(`${id}: no dataset was passed (the benchmark is built from the dataset's ${split} samples)`);
        const overlap = split === 'train' ? [] : sceneOverlap(dataset.samples, split);
        if (overlap.length)
          throw new Error(
            `${id}: ${overlap.length} ${split} scene(s) also appear in samples of another split: ` +
              `${overlap.slice(0, 10).join(', ')}${overlap.length > 10 ? ', ...' : ''}`,
          );
        const samples = splitRows(dataset.samples, split, rows);
        if (!samples.length)
          throw new Error(
            `${id}: the dataset in ${dataset.dir} has no ${split} samples (split: "${split}")` +
              (split === 'validation' ? '; give it validation scenes with data.split.validation' : ''),
          );
        const root = resolve(dataset.dir);
        const items = samples.map((sample): EvalRow => ({
          id: sample.id,
          type: sample.task,
          modality: sample.modality,
          scene: sample.scene,
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
        const inputs = { frames: opts.frames, dataset: dataset.manifest.hash ?? dataset.dir, ...(rows === undefined ? {} : { rows }) };
        return evaluateRows(policy, ctx, items, evaluationSettings(id, opts, ctx, { order: TASK_ORDER }, inputs));
      },
    });
    const heldOut = benchmarkOf(BENCHMARK_ID, 'held-out');
    const validation = benchmarkOf(VALIDATION_ID, 'validation');
    const training = benchmarkOf(TRAINING_ID, 'train', opts.trainingRows);
    ladder.hooks.benchmarks.for(BENCHMARK_ID).tap(PLUGIN_NAME, () => heldOut);
    ladder.hooks.benchmarks.for(VALIDATION_ID).tap(PLUGIN_NAME, () => validation);
    ladder.hooks.benchmarks.for(TRAINING_ID).tap(PLUGIN_NAME, () => training);
  },
});
