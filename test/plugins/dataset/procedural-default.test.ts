/**
 * The default dataset from the embedded procedural scenes
 * covers every (dimension, modality) cell of the task x modality table (docs/method.md#tasks-and-modalities) with balanced
 * answer letters, at a size the whole ladder trains on in minutes on CPU.
 */
import test from 'ava';
import { buildDataset, createLadder } from '../../../core/index.ts';
import { checkDataset, coverageProblems, enabledCells } from '../../../plugins/dataset/index.ts';
import { SPATIAL_CELLS } from '../../../lib/tasks/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { PLUGINS } from './helpers.ts';

test('the default procedural dataset covers the task x modality table with balanced letters', async (t) => {
  const ladder = await createLadder({ cacheDir: tempDir(t), plugins: ['source-procedural', ...PLUGINS] }, { defaults: [] });
  const dataset = await buildDataset(ladder);
  t.deepEqual(enabledCells(dataset.manifest), SPATIAL_CELLS);
  t.deepEqual(coverageProblems(dataset.samples), []);
  t.deepEqual(checkDataset(dataset, [], SPATIAL_CELLS).problems, []);
  const train = dataset.samples.filter((s) => s.split === 'train').length;
  t.true(train >= 200 && train <= 1200, `${train} training samples`);
});
