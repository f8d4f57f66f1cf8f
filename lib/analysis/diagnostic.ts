/**
 * The diagnostic set of the hint and attention analyses: every single-image
 * question the dataset's task generators and quality filters make from the
 * held-out scenes, each with its localization twin (the 2-D boxes of the
 * objects it names), built and cached like any dataset (its own content
 * hash). The per-scene caps (`filter-caps`) balance a training set; here
 * they would only cut the question count, so the set is built without them.
 */
import { createLadder, datasetRequest, LadderError, type Dataset, type Ladder } from '../../core/index.ts';

export async function diagnosticSet(ladder: Ladder, dataset: Dataset, candidates = 400): Promise<Dataset> {
  const heldOut = [...new Set(dataset.samples.filter((s) => s.split === 'held-out').map((s) => s.scene))];
  if (!heldOut.length) throw new LadderError(`the dataset in ${dataset.dir} has no held-out scenes to make a diagnostic set from`);
  const origin = ladder.origin;
  const builder = origin
    ? await createLadder(
        { ...origin.config, plugins: [['filter-caps', false], ...(origin.config.plugins ?? [])] },
        { baseDir: origin.baseDir, where: origin.where, defaults: [] }, // its progress and log go through this ladder's reporter
      )
    : ladder;
  if (builder !== ladder) {
    builder.hooks.progress.tap('diagnostic-set', (event) => ladder.hooks.progress.call(event));
    builder.hooks.log.tap('diagnostic-set', (event) => ladder.hooks.log.call(event));
  }
  const tasks = builder.ids('tasks').filter((id) => builder.get('tasks', id).modalities.includes('single-image'));
  const data = {
    ...builder.config.data,
    tasks,
    modalities: ['single-image'],
    candidates: Math.max(candidates, Number(builder.config.data.candidates ?? 0)),
    split: { heldOut, train: [] },
    export: false,
  };
  const built = await builder.hooks.dataset.promise({ ...datasetRequest(builder), config: data });
  if (!built) throw new LadderError('no plugin built the diagnostic set (the `dataset` hook returned nothing)');
  return built;
}
